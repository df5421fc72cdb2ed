/** The page's words, in English and French. Claims are data and are never translated. */

export type Lang = 'en' | 'fr';

const en = {
  title: 'Hallmark — watch certificate check',
  tagline: 'Checks a watch certificate on this device. Nothing is sent anywhere.',
  checking: 'Checking…',
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
  scanTitle: 'Check a certificate',
  scanHelp:
    'Point your phone camera at the QR code on the warranty card, or use the scanner below.',
  startCamera: 'Scan with the camera',
  stopCamera: 'Stop the camera',
  choosePhoto: 'Choose a photo of the QR code',
  pasteLabel: 'Or paste the certificate link or text',
  check: 'Check',
  cameraUnavailable: 'The camera is not available. Choose a photo or paste the link instead.',
  noCodeInPhoto: 'No QR code was found in that photo.',
  trustList: 'Brands and keys: trust list of {date}.',
  trustChecked: 'Checked online {date}.',
  trustNone: 'No valid trust list: this page cannot confirm any certificate.',
  offline: 'Offline: checked with the keys stored on this device.',
  checkAnother: 'Check another certificate',
  language: 'Français',
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
  ownershipCheck: 'Check owners online (sends the serial number)',
  owners: 'Registered owners',
  lastTransfer: 'Last transfer',
  noTransfer: 'none',
  ownershipUnavailable: 'The ownership check is not available right now.',
  trayOpen: 'Check a tray of watches',
  trayTitle: 'Tray check',
  trayHelp:
    'Scan each card in turn: every brand on the trust list is checked and each watch is added to the list below. When online, the number of owners is asked of each watch’s brand (its certificate is sent).',
  trayCamera: 'Scan continuously',
  trayStop: 'Stop scanning',
  trayPhotos: 'Add photos of QR codes',
  trayPasteLabel: 'Or paste links or codes, one per line (a USB scanner types them here)',
  trayAdd: 'Add',
  trayCsv: 'Download the list (CSV)',
  trayClear: 'Clear the list',
  trayClose: 'Close the tray check',
  trayCount: '{n} watches checked',
  trayAdded: 'Watch {n}: {serial}, {verdict}.',
  trayUnreadable: 'Line {n}: not a certificate.',
  trayDuplicate: 'Scanned twice: compare both engravings with the cards',
  trayColumns: '#|Brand|Serial|Model|Verdict|Status|Owners|Note',
  trayStates: 'active|revoked|stolen|replaced|not checked|could not be verified',
  trayAsOf: 'as of {date}',
  trayNotAsked: 'not asked',
  ownerClaim: 'I own this watch: enter the code from the box',
  ownerCodeLabel: 'The code from the box (or from the seller)',
  ownerEmailLabel:
    'E-mail to recover a lost key (optional: the brand keeps only a keyed hash of it)',
  ownerSubmit: 'Register me as the owner',
  ownerLine: 'You are the registered owner (owner #{n} since {date}).',
  ownerKeyOnce:
    'Your owner key. Write it down or save it now: it is shown only this once, and it is what lets you hand the watch over.',
  ownerSaveKey: 'Save my owner key (file)',
  ownerKeyNotKept: 'This device could not keep the key: write it down now.',
  ownerHandover: 'Hand this watch over to a buyer',
  ownerHandoverHelp:
    'Let the buyer scan this code with the Hallmark page. It works once, for 15 minutes; when the buyer registers, your key stops working.',
  ownerTakeLead: 'The seller is handing this watch over to you.',
  ownerTake: 'Take ownership',
  ownerNoLongerOwner:
    'Your owner key no longer works for this watch: it has been handed over to a new owner.',
  ownerErrWrongCode: 'This code does not match this watch.',
  ownerErrOwned: 'This watch already has a registered owner: the owner can hand it over to you.',
  ownerErrNotActive:
    'This watch is not active (reported stolen, revoked or replaced): it cannot change hands.',
  ownerErrExpired: 'This code has expired: ask the brand or the seller for a new one.',
  ownerErrLimited: 'Too many attempts: wait a minute, then try again.',
  ownerErrOffline: 'You need to be online to do this.',
  ownerErrFailed: 'The brand’s service did not answer. Try again later.',
  ownerRecoverOpen: 'Lost your owner key? Recover it by e-mail',
  ownerRecoverEmail: 'The e-mail address you registered for this watch',
  ownerRecoverSubmit: 'Send me a recovery link',
  ownerRecoverSent:
    'If this is the address registered for this watch, a link has been sent to it. It works once, for one hour.',
  ownerRecovered: 'Your new owner key for {brand} {serial}. Your old key no longer works.',
  ownerErrRecoveryOff: 'Recovery by e-mail is not available on this service: ask the brand.',
};

const fr: typeof en = {
  title: 'Hallmark — vérification de certificat de montre',
  tagline: 'Vérifie un certificat de montre sur cet appareil. Rien n’est envoyé nulle part.',
  checking: 'Vérification…',
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
  scanTitle: 'Vérifier un certificat',
  scanHelp:
    'Visez le code QR de la carte de garantie avec l’appareil photo du téléphone, ou utilisez le lecteur ci-dessous.',
  startCamera: 'Scanner avec l’appareil photo',
  stopCamera: 'Arrêter l’appareil photo',
  choosePhoto: 'Choisir une photo du code QR',
  pasteLabel: 'Ou collez le lien ou le texte du certificat',
  check: 'Vérifier',
  cameraUnavailable:
    'L’appareil photo n’est pas disponible. Choisissez une photo ou collez le lien.',
  noCodeInPhoto: 'Aucun code QR trouvé sur cette photo.',
  trustList: 'Marques et clés : liste de confiance du {date}.',
  trustChecked: 'Vérifiée en ligne le {date}.',
  trustNone: 'Aucune liste de confiance valide : cette page ne peut confirmer aucun certificat.',
  offline: 'Hors ligne : vérifié avec les clés enregistrées sur cet appareil.',
  checkAnother: 'Vérifier un autre certificat',
  language: 'English',
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
  ownershipCheck: 'Vérifier les propriétaires en ligne (envoie le numéro de série)',
  owners: 'Propriétaires enregistrés',
  lastTransfer: 'Dernier transfert',
  noTransfer: 'aucun',
  ownershipUnavailable: 'La vérification des propriétaires n’est pas disponible pour le moment.',
  trayOpen: 'Contrôler un plateau de montres',
  trayTitle: 'Contrôle d’un plateau',
  trayHelp:
    'Scannez les cartes l’une après l’autre : chaque marque de la liste de confiance est vérifiée et chaque montre s’ajoute à la liste ci-dessous. En ligne, le nombre de propriétaires est demandé à la marque de chaque montre (son certificat lui est envoyé).',
  trayCamera: 'Scanner en continu',
  trayStop: 'Arrêter le scan',
  trayPhotos: 'Ajouter des photos de codes QR',
  trayPasteLabel: 'Ou collez des liens ou des codes, un par ligne (un lecteur USB les saisit ici)',
  trayAdd: 'Ajouter',
  trayCsv: 'Télécharger la liste (CSV)',
  trayClear: 'Vider la liste',
  trayClose: 'Fermer le contrôle du plateau',
  trayCount: '{n} montres contrôlées',
  trayAdded: 'Montre {n} : {serial}, {verdict}.',
  trayUnreadable: 'Ligne {n} : ce n’est pas un certificat.',
  trayDuplicate: 'Scannée deux fois : comparez les deux gravures avec les cartes',
  trayColumns: 'N°|Marque|Numéro de série|Modèle|Verdict|Statut|Propriétaires|Remarque',
  trayStates: 'active|révoquée|déclarée volée|remplacée|non vérifié|invérifiable',
  trayAsOf: 'au {date}',
  trayNotAsked: 'non demandé',
  ownerClaim: 'Cette montre est à moi : saisir le code de la boîte',
  ownerCodeLabel: 'Le code de la boîte (ou du vendeur)',
  ownerEmailLabel:
    'E-mail pour retrouver une clé perdue (facultatif : la marque n’en garde qu’une empreinte chiffrée)',
  ownerSubmit: 'M’enregistrer comme propriétaire',
  ownerLine: 'Vous êtes le propriétaire enregistré (propriétaire n° {n} depuis le {date}).',
  ownerKeyOnce:
    'Votre clé de propriétaire. Notez-la ou enregistrez-la maintenant : elle n’est montrée qu’une fois, et c’est elle qui permet de céder la montre.',
  ownerSaveKey: 'Enregistrer ma clé de propriétaire (fichier)',
  ownerKeyNotKept: 'Cet appareil n’a pas pu garder la clé : notez-la maintenant.',
  ownerHandover: 'Céder cette montre à un acheteur',
  ownerHandoverHelp:
    'Faites scanner ce code par l’acheteur avec la page Hallmark. Il ne sert qu’une fois, pendant 15 minutes ; quand l’acheteur s’enregistre, votre clé cesse de fonctionner.',
  ownerTakeLead: 'Le vendeur vous cède cette montre.',
  ownerTake: 'Devenir propriétaire',
  ownerNoLongerOwner:
    'Votre clé de propriétaire ne fonctionne plus pour cette montre : elle a été cédée à un nouveau propriétaire.',
  ownerErrWrongCode: 'Ce code ne correspond pas à cette montre.',
  ownerErrOwned:
    'Cette montre a déjà un propriétaire enregistré : c’est lui qui peut vous la céder.',
  ownerErrNotActive:
    'Cette montre n’est pas active (déclarée volée, révoquée ou remplacée) : elle ne peut pas changer de mains.',
  ownerErrExpired: 'Ce code a expiré : demandez-en un nouveau à la marque ou au vendeur.',
  ownerErrLimited: 'Trop de tentatives : attendez une minute, puis réessayez.',
  ownerErrOffline: 'Il faut être en ligne pour cela.',
  ownerErrFailed: 'Le service de la marque n’a pas répondu. Réessayez plus tard.',
  ownerRecoverOpen: 'Clé de propriétaire perdue ? La retrouver par e-mail',
  ownerRecoverEmail: 'L’adresse e-mail enregistrée pour cette montre',
  ownerRecoverSubmit: 'M’envoyer un lien de récupération',
  ownerRecoverSent:
    'Si c’est l’adresse enregistrée pour cette montre, un lien lui a été envoyé. Il ne sert qu’une fois, pendant une heure.',
  ownerRecovered:
    'Votre nouvelle clé de propriétaire pour {brand} {serial}. L’ancienne ne fonctionne plus.',
  ownerErrRecoveryOff:
    'La récupération par e-mail n’est pas disponible sur ce service : adressez-vous à la marque.',
};

export type Strings = typeof en;
export const STRINGS: Record<Lang, Strings> = { en, fr };

/** The language to start in: a saved choice, else the browser's preference, else English. */
export function initialLang(saved: string | null, preferred: readonly string[]): Lang {
  if (saved === 'en' || saved === 'fr') return saved;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'fr' || base === 'en') return base;
  }
  return 'en';
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
