/** fflate's gunzip alone, for browsers without DecompressionStream (loaded only there). */
export { gunzipSync } from 'fflate';
