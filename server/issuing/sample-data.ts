/** A few sample watches issued on a brand-new development registry, so there is something to open. */
import type { WatchInput } from '../../shared/watch-input.ts';

export const SAMPLE_WATCHES: WatchInput[] = [
  {
    serial: 'HB26A0012345',
    reference: '441.NX.1170.RX',
    model: 'Big Bang Unico 42 mm',
    caseMaterial: 'King Gold',
    calibre: 'HUB1280',
    manufacturedOn: '2026-03-02',
  },
  {
    serial: 'SM26B0000042',
    reference: '210.30.42.20.01.001',
    model: 'Seamaster Diver 300M',
    caseMaterial: 'Acier inoxydable',
    calibre: 'Co-Axial 8800',
    manufacturedOn: '2026-01-15',
  },
  {
    serial: 'RV26C0007001',
    reference: 'M79030N-0001',
    model: 'Black Bay 58',
    caseMaterial: 'Steel',
    calibre: 'MT5402',
    manufacturedOn: '2025-11-28',
  },
];
