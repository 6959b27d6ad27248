#!/usr/bin/env python3
"""OpenSSL's side of the vault-verification comparison (issues 9, 19): verify every
passport of a Compliance Vault image with Python's `cryptography` (OpenSSL) and print the
best wall time of the verification loop alone (reading and parsing excluded).

    benches/openssl_verify.py IMAGE --block-size N --public-key HEX [--runs 5] [--processes P]

With `--processes P` (issue 19: the same number of cores on both sides) the passports are
split into P contiguous shares verified by P worker processes at once (forked before the
clock starts, each with its share and the key already loaded); the time is from handing
out the shares to the last result, so it includes the hand-off, not process start-up.

The image is parsed here, independently of the crate, from SPEC §1/§4: blocks of N bytes
end with a 16-byte trailer; block 0's payload starts with passport_count (i32) and 12
reserved bytes; passports (132 + issuer_len + notes_len bytes, never split) follow, and a
remainder under 132 bytes or a nil passport id is padding. The signed payload is a
passport without its last 64 bytes (raw r‖s, big-endian).

Not a dependency of the crate: scripts/bench runs it. Needs `cryptography`
(Debian: apt-get install python3-cryptography).
"""
import argparse
import json
import multiprocessing
import struct
import sys
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

TRAILER = 16
MIN_PASSPORT = 132


def passports(image: bytes, block_size: int):
    payload_len = block_size - TRAILER
    count = struct.unpack_from("<i", image, 0)[0]
    found = []
    block, offset = 0, 16
    while len(found) < count:
        start = block * block_size
        if start + block_size > len(image):
            raise ValueError(f"passport_count {count} runs past the image")
        if payload_len - offset < MIN_PASSPORT or image[start + offset:start + offset + 16] == bytes(16):
            block, offset = block + 1, 0
            continue
        at = start + offset
        issuer_len = struct.unpack_from("<i", image, at + 60)[0]
        notes_len = struct.unpack_from("<i", image, at + 64 + issuer_len)[0]
        size = MIN_PASSPORT + issuer_len + notes_len
        passport = image[at:at + size]
        found.append((passport[:-64], passport[-64:]))
        offset += size
    return found


# The worker processes' shares, set before the pool forks (inherited, not pickled).
SHARES = []
KEY = None


def verify_all(key, signed) -> int:
    algorithm = ec.ECDSA(hashes.SHA256())
    valid = 0
    for payload, der in signed:
        try:
            key.verify(der, payload, algorithm)
            valid += 1
        except InvalidSignature:
            pass
    return valid


def verify_share(index: int) -> int:
    return verify_all(KEY, SHARES[index])


def main() -> int:
    global SHARES, KEY
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("image")
    parser.add_argument("--block-size", type=int, required=True)
    parser.add_argument("--public-key", required=True, help="SEC1 hex")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--processes", type=int, default=1, help="worker processes (cores)")
    args = parser.parse_args()

    with open(args.image, "rb") as file:
        image = file.read()
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), bytes.fromhex(args.public_key))
    signed = [
        (payload, encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")))
        for payload, sig in passports(image, args.block_size)
    ]
    processes = max(1, args.processes)
    best, valid = None, 0
    if processes == 1:
        for _ in range(args.runs):
            began = time.perf_counter()
            valid = verify_all(key, signed)
            elapsed = time.perf_counter() - began
            best = elapsed if best is None else min(best, elapsed)
    else:
        share = -(-len(signed) // processes)
        SHARES = [signed[start:start + share] for start in range(0, len(signed), share)]
        KEY = key
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            pool.map(verify_share, range(len(SHARES)))  # warm: every worker started
            for _ in range(args.runs):
                began = time.perf_counter()
                valid = sum(pool.map(verify_share, range(len(SHARES)), chunksize=1))
                elapsed = time.perf_counter() - began
                best = elapsed if best is None else min(best, elapsed)
    print(json.dumps({"passports": len(signed), "valid": valid, "best_seconds": best,
                      "processes": processes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
