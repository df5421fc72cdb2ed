/**
 * The words of the verdict screen, in English and French, and the dates it shows: what the
 * first check (boot.ts) needs to draw a verdict. The rest of the page's words are in i18n.ts,
 * which adds them to these. Claims are data and are never translated.
 */

export type Lang = 'en' | 'fr';

export const verdictEn = {
  title: 'Hallmark — watch certificate check',
  tagline: 'Checks a watch certificate on this device. Nothing is sent anywhere.',
  scanTitle: 'Check a certificate',
  scanHelp:
    'Point your phone camera at the QR code on the warranty card, or use the scanner below.',
  startCamera: 'Scan with the camera',
  choosePhoto: 'Choose a photo of the QR code',
  pasteLabel: 'Or paste the certificate link or text',
  check: 'Check',
  checkAnother: 'Check another certificate',
  language: 'Français',
  ownershipCheck: 'Check owners online (sends the serial number)',
  trayOpen: 'Check a tray of watches',
  authentic: 'Authentic',
  authenticLead: 'This certificate was signed by the brand and has not been changed.',
  checkOnline: 'Genuine card, status unknown',
  checkOnlineLead:
    'The brand’s signature is valid, but the theft register could not be checked: check again online before you buy.',
  notAuthentic: 'Not authentic',
  compareSerial: 'Compare with the serial number engraved on the caseback.',
  serial: 'Serial number',
  brand: 'Brand',
  model: 'Model',
  reference: 'Reference',
  case: 'Case',
  calibre: 'Calibre',
  manufactured: 'Manufactured',
  issued: 'Certificate issued',
  generation: 'Card',
  signedBy: 'Signing key',
  reasonAltered:
    'The certificate has been altered: its details do not match the brand’s signature.',
  reasonUnknownSigner: 'It was not signed by a key of the brand (unknown signer).',
  reasonKeyWindow: 'It was signed with a brand key that was not in service at that date.',
  reasonWrongBrand:
    'It was signed with a key that does not belong to the brand it names: it is a forgery.',
  signedByBrand: 'Signed by {brand}.',
  reasonCompromised:
    'It was signed with a key stolen from the brand, and the brand did not issue it: it is a forgery.',
  compromisedLead:
    'The signature is valid, but the brand’s key was stolen later: only the brand’s registry can confirm this card. Check online before you buy.',
  compromisedConfirmed:
    'Its signing key was stolen later; the brand’s registry confirms this card.',
  reasonDamaged: 'The code is damaged or incomplete. Scan it again, closer and in good light.',
  reasonNotHallmark: 'This is not a Hallmark certificate code.',
  reasonFuture:
    'The certificate is dated in the future. Check this device’s date and time, then scan again.',
  adviceNotAuthentic:
    'Do not rely on this card. Contact the brand or an authorised retailer before buying or selling.',
  revoked: 'Revoked',
  revokedLead: 'The brand has revoked this certificate. It is no longer valid.',
  stolen: 'Reported stolen',
  stolenLead:
    'This watch has been reported stolen. Do not buy it: contact the brand or the police.',
  replaced: 'Replaced',
  replacedLead:
    'A newer card has been issued for this watch; this card is no longer valid. Ask for the current card.',
  logRecorded: 'Recorded in the public log on {date} (entry {index}).',
  logRemembered: 'Recorded in the public log (entry {index}): confirmed on this device on {date}.',
  logChecking: 'Checking the public log…',
  logLead:
    'The brand’s signature is valid, but the public log raises a doubt about this card: see below.',
  logUnchecked: 'The public log could not be checked now.',
  logLastSeen: 'The public log could not be checked now (last seen on {date}, {size} entries).',
  logMissing:
    'This card is not in the brand’s public log, where every certificate is recorded: it may have been made with a stolen key. Ask the brand before you buy.',
  logSplitView:
    'Warning: the public log showed this device a history that contradicts the one it saw before. Someone may be showing different logs to different people. Do not rely on this check; report it to the brand.',
  statusActive: 'Status: active, as of {date}.',
  statusAsOf: 'Status as of {date}.',
  statusStale:
    'This saved status is older than its validity period and may be out of date: check again online.',
  statusUnchecked:
    'Status not checked (no network and no saved status). Check online before buying.',
  statusUnverifiable:
    'Could not check the status: the status list could not be verified. Check online before buying.',
};

export const verdictFr: typeof verdictEn = {
  title: 'Hallmark — vérification de certificat de montre',
  tagline: 'Vérifie un certificat de montre sur cet appareil. Rien n’est envoyé nulle part.',
  scanTitle: 'Vérifier un certificat',
  scanHelp:
    'Visez le code QR de la carte de garantie avec l’appareil photo du téléphone, ou utilisez le lecteur ci-dessous.',
  startCamera: 'Scanner avec l’appareil photo',
  choosePhoto: 'Choisir une photo du code QR',
  pasteLabel: 'Ou collez le lien ou le texte du certificat',
  check: 'Vérifier',
  checkAnother: 'Vérifier un autre certificat',
  language: 'English',
  ownershipCheck: 'Vérifier les propriétaires en ligne (envoie le numéro de série)',
  trayOpen: 'Contrôler un plateau de montres',
  authentic: 'Authentique',
  authenticLead: 'Ce certificat a été signé par la marque et n’a pas été modifié.',
  checkOnline: 'Carte authentique, statut inconnu',
  checkOnlineLead:
    'La signature de la marque est valide, mais le registre des vols n’a pas pu être consulté : vérifiez à nouveau en ligne avant d’acheter.',
  notAuthentic: 'Non authentique',
  compareSerial: 'Comparez avec le numéro de série gravé sur le fond du boîtier.',
  serial: 'Numéro de série',
  brand: 'Marque',
  model: 'Modèle',
  reference: 'Référence',
  case: 'Boîtier',
  calibre: 'Calibre',
  manufactured: 'Fabriquée le',
  issued: 'Certificat émis le',
  generation: 'Carte',
  signedBy: 'Clé de signature',
  reasonAltered:
    'Le certificat a été modifié : ses données ne correspondent pas à la signature de la marque.',
  reasonUnknownSigner: 'Il n’a pas été signé par une clé de la marque (signataire inconnu).',
  reasonKeyWindow:
    'Il a été signé avec une clé de la marque qui n’était pas en service à cette date.',
  reasonWrongBrand:
    'Il a été signé avec une clé qui n’appartient pas à la marque indiquée : c’est un faux.',
  signedByBrand: 'Signé par {brand}.',
  reasonCompromised:
    'Il a été signé avec une clé volée à la marque, et la marque ne l’a pas émis : c’est un faux.',
  compromisedLead:
    'La signature est valide, mais la clé de la marque a été volée depuis : seul le registre de la marque peut confirmer cette carte. Vérifiez en ligne avant d’acheter.',
  compromisedConfirmed:
    'Sa clé de signature a été volée depuis ; le registre de la marque confirme cette carte.',
  reasonDamaged:
    'Le code est abîmé ou incomplet. Scannez-le à nouveau, de plus près et bien éclairé.',
  reasonNotHallmark: 'Ce n’est pas un code de certificat Hallmark.',
  reasonFuture:
    'Le certificat est daté dans le futur. Vérifiez la date et l’heure de cet appareil, puis scannez à nouveau.',
  adviceNotAuthentic:
    'Ne vous fiez pas à cette carte. Contactez la marque ou un revendeur agréé avant d’acheter ou de vendre.',
  revoked: 'Révoqué',
  revokedLead: 'La marque a révoqué ce certificat. Il n’est plus valable.',
  stolen: 'Déclarée volée',
  stolenLead:
    'Cette montre a été déclarée volée. Ne l’achetez pas : contactez la marque ou la police.',
  replaced: 'Remplacé',
  replacedLead:
    'Une nouvelle carte a été émise pour cette montre ; celle-ci n’est plus valable. Demandez la carte actuelle.',
  logRecorded: 'Enregistré dans le registre public le {date} (entrée {index}).',
  logRemembered:
    'Enregistré dans le registre public (entrée {index}) : confirmé sur cet appareil le {date}.',
  logChecking: 'Vérification du registre public…',
  logLead:
    'La signature de la marque est valide, mais le registre public met en doute cette carte : voir ci-dessous.',
  logUnchecked: 'Le registre public n’a pas pu être vérifié pour le moment.',
  logLastSeen:
    'Le registre public n’a pas pu être vérifié pour le moment (vu pour la dernière fois le {date}, {size} entrées).',
  logMissing:
    'Cette carte ne figure pas dans le registre public de la marque, où chaque certificat est enregistré : elle a pu être créée avec une clé volée. Interrogez la marque avant d’acheter.',
  logSplitView:
    'Attention : le registre public a montré à cet appareil un historique qui contredit celui vu auparavant. Quelqu’un montre peut-être des registres différents à différentes personnes. Ne vous fiez pas à cette vérification ; signalez-le à la marque.',
  statusActive: 'Statut : actif, au {date}.',
  statusAsOf: 'Statut au {date}.',
  statusStale:
    'Ce statut enregistré a dépassé sa durée de validité et peut ne plus être à jour : vérifiez à nouveau en ligne.',
  statusUnchecked:
    'Statut non vérifié (pas de réseau ni de statut enregistré). Vérifiez en ligne avant d’acheter.',
  statusUnverifiable:
    'Impossible de vérifier le statut : la liste de statuts n’a pas pu être vérifiée. Vérifiez en ligne avant d’acheter.',
};

export type VerdictStrings = typeof verdictEn;
export const VERDICT_STRINGS: Record<Lang, VerdictStrings> = { en: verdictEn, fr: verdictFr };

/**
 * Writes the static page's words (the HTML is written in English) and its language: the
 * first check does it before its verdict, so that a French screen is French throughout.
 */
export function drawStaticTexts(strings: VerdictStrings, lang: Lang): void {
  document.documentElement.lang = lang;
  document.title = strings.title;
  for (const node of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    node.textContent = strings[node.dataset.i18n as keyof VerdictStrings];
  }
}

/** The language to start in: a saved choice, else the browser's preference, else English. */
export function initialLang(saved: string | null, preferred: readonly string[]): Lang {
  if (saved === 'en' || saved === 'fr') return saved;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'fr' || base === 'en') return base;
  }
  return 'en';
}

/** The page's language at start: the choice saved on this device, else the browser's. */
export function pageLang(): Lang {
  let saved: string | null = null;
  try {
    saved = localStorage.getItem('hallmark.lang');
  } catch {
    // storage disabled: the browser's preference decides
  }
  return initialLang(saved, navigator.languages ?? [navigator.language]);
}

const MONTHS: Record<Lang, string[]> = {
  en: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
  fr: [
    'janvier',
    'février',
    'mars',
    'avril',
    'mai',
    'juin',
    'juillet',
    'août',
    'septembre',
    'octobre',
    'novembre',
    'décembre',
  ],
};

/**
 * Formats a calendar date (YYYY-MM-DD, as is) or an instant (epoch seconds, in the device's
 * time zone, with the time). Written out from month tables: the first Intl.DateTimeFormat
 * costs ~20 ms of a page whose whole job is to show a verdict at once.
 */
export function formatDate(value: number | string, lang: Lang, withTime = false): string {
  let y: number, m: number, d: number;
  let time = '';
  if (typeof value === 'string') {
    [y, m, d] = value.split('-').map(Number) as [number, number, number];
  } else {
    const at = new Date(value * 1000);
    [y, m, d] = [at.getFullYear(), at.getMonth() + 1, at.getDate()];
    const hm = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
    if (withTime) time = lang === 'fr' ? ` à ${hm}` : ` at ${hm}`;
  }
  const day = lang === 'fr' && d === 1 ? '1er' : String(d);
  return `${day} ${MONTHS[lang][m - 1]} ${y}${time}`;
}
