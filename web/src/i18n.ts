/** The page's words, in English and French. Claims are data and are never translated. */
import { verdictEn, verdictFr, type Lang } from './i18n-verdict.ts';

export { drawStaticTexts, formatDate, initialLang, pageLang, type Lang } from './i18n-verdict.ts';

const en = {
  ...verdictEn,
  checking: 'Checking…',
  stopCamera: 'Stop the camera',
  cameraUnavailable: 'The camera is not available. Choose a photo or paste the link instead.',
  noCodeInPhoto: 'No QR code was found in that photo.',
  trustList: 'Brands and keys: trust list of {date}.',
  trustChecked: 'Checked online {date}.',
  trustNone: 'No valid trust list: this page cannot confirm any certificate.',
  offline: 'Offline: checked with the keys stored on this device.',
  owners: 'Registered owners',
  lastTransfer: 'Last transfer',
  noTransfer: 'none',
  ownershipUnavailable: 'The ownership check is not available right now.',
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
  ...verdictFr,
  checking: 'Vérification…',
  stopCamera: 'Arrêter l’appareil photo',
  cameraUnavailable:
    'L’appareil photo n’est pas disponible. Choisissez une photo ou collez le lien.',
  noCodeInPhoto: 'Aucun code QR trouvé sur cette photo.',
  trustList: 'Marques et clés : liste de confiance du {date}.',
  trustChecked: 'Vérifiée en ligne le {date}.',
  trustNone: 'Aucune liste de confiance valide : cette page ne peut confirmer aucun certificat.',
  offline: 'Hors ligne : vérifié avec les clés enregistrées sur cet appareil.',
  owners: 'Propriétaires enregistrés',
  lastTransfer: 'Dernier transfert',
  noTransfer: 'aucun',
  ownershipUnavailable: 'La vérification des propriétaires n’est pas disponible pour le moment.',
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
