#!/usr/bin/env python3
"""An independent verifier of a published Hallmark issuance log.

Written from the specifications alone, sharing no code with Hallmark: RFC 8032 (Ed25519,
the reference verification of section 6), RFC 6962 (Merkle Tree Hash), C2SP signed-note,
tlog-checkpoint and tlog-tiles. Standard library only.

    verify_log.py <log dir or URL prefix> <verifier key> <origin> [<certificates file>]

Reads <log dir>/checkpoint (or GETs <URL prefix>/checkpoint from a live log), checks its signature by the verifier key and its origin, reads
every level-0 tile and entry bundle the checkpoint's tree size calls for, checks that each
entry hashes to its leaf, and recomputes the root from the leaves. Prints the tree size and
the root in hex and exits 0 when everything holds; prints the reason and exits 1 otherwise.
With a certificates file (lines "<log index> <compact JWS>"), also checks that each
certificate's entry, 0x01 || SHA-256(JWS), is the leaf at its index of the verified tree.
"""
import base64
import hashlib
import os
import sys
import urllib.request

# --- Ed25519 verification, RFC 8032 section 6 -------------------------------------------
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(a, b):
    x = (a[1] - a[0]) * (b[1] - b[0]) % P
    y = (a[1] + a[0]) * (b[1] + b[0]) % P
    c = 2 * a[3] * b[3] * D % P
    d = 2 * a[2] * b[2] % P
    e, f, g, h = y - x, d - c, d + c, y + x
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(s, point):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _add(q, point)
        point = _add(point, point)
        s >>= 1
    return q


def _equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


def _decompress(s):
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % P)


_GY = 4 * pow(5, P - 2, P) % P
_GX = _recover_x(_GY, 0)
G = (_GX, _GY, 1, _GX * _GY % P)


def ed25519_verify(public, message, signature):
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    return _equal(_mul(s, G), _add(r, _mul(h, a)))


# --- RFC 6962 Merkle Tree Hash ----------------------------------------------------------
def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def mth(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


# --- C2SP signed-note and tlog-checkpoint -----------------------------------------------
class Invalid(Exception):
    pass


def open_checkpoint(note, verifier_key, origin):
    name, key_id, key_data = verifier_key.split("+", 2)
    raw = base64.b64decode(key_data, validate=True)
    if len(raw) != 33 or raw[0] != 1:
        raise Invalid("not an Ed25519 verifier key")
    public = raw[1:]
    if hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4].hex() != key_id:
        raise Invalid("the verifier key's ID does not match its key")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise Invalid("not a signed note")
    text = note[: split + 1]
    verified = False
    for line in note[split + 2 : -1].split("\n"):
        if not line.startswith("\u2014 "):
            raise Invalid("malformed signature line")
        signer, sig64 = line[2:].split(" ")
        sig = base64.b64decode(sig64, validate=True)
        if signer == name and sig[:4].hex() == key_id:
            if not ed25519_verify(public, text.encode(), sig[4:]):
                raise Invalid("the log's signature does not verify")
            verified = True
    if not verified:
        raise Invalid("the checkpoint is not signed by the log key")
    lines = text.split("\n")
    if len(lines) != 4 or lines[3] != "":
        raise Invalid("a checkpoint has three lines")
    if lines[0] != origin:
        raise Invalid("another log's checkpoint")
    return int(lines[1]), base64.b64decode(lines[2], validate=True)


# --- C2SP tlog-tiles --------------------------------------------------------------------
def tile_index(n):
    groups = []
    while True:
        groups.insert(0, "%03d" % (n % 1000))
        n //= 1000
        if n == 0:
            break
    return "/".join(("x" + g) if i < len(groups) - 1 else g for i, g in enumerate(groups))


def read(directory, path):
    if directory.startswith("http://") or directory.startswith("https://"):
        with urllib.request.urlopen(directory.rstrip("/") + "/" + path, timeout=30) as response:
            return response.read()
    with open(os.path.join(directory, path), "rb") as f:
        return f.read()


def main(directory, verifier_key, origin, certificates=None):
    size, root = open_checkpoint(read(directory, "checkpoint").decode("utf-8"), verifier_key, origin)
    leaves = []
    for n in range((size + 255) // 256):
        width = min(256, size - n * 256)
        suffix = "" if width == 256 else ".p/%d" % width
        tile = read(directory, "tile/0/" + tile_index(n) + suffix)
        bundle = read(directory, "tile/entries/" + tile_index(n) + suffix)
        if len(tile) != 32 * width:
            raise Invalid("tile %d has the wrong width" % n)
        at = 0
        for i in range(width):
            length = int.from_bytes(bundle[at : at + 2], "big")
            entry = bundle[at + 2 : at + 2 + length]
            at += 2 + length
            if leaf_hash(entry) != tile[32 * i : 32 * i + 32]:
                raise Invalid("entry %d does not hash to its leaf" % (n * 256 + i))
            leaves.append(tile[32 * i : 32 * i + 32])
        if at != len(bundle):
            raise Invalid("entry bundle %d has trailing bytes" % n)
    if mth(leaves) != root:
        raise Invalid("the root recomputed from the tiles is not the checkpoint's")
    checked = 0
    if certificates is not None:
        with open(certificates, "r", encoding="ascii") as f:
            for line in f:
                if not line.strip():
                    continue
                index, jws = line.split()
                entry = b"\x01" + hashlib.sha256(jws.encode("ascii")).digest()
                if int(index) >= size or leaves[int(index)] != leaf_hash(entry):
                    raise Invalid("certificate at %s is not in the log" % index)
                checked += 1
    print(size, root.hex(), checked)


if __name__ == "__main__":
    try:
        main(*sys.argv[1:5])
    except (Invalid, OSError, ValueError) as error:
        print("invalid: %s" % error)
        sys.exit(1)
