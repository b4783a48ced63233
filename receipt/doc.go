// Package receipt canonicalizes JSON the way Aira's backend does and signs
// and verifies Aira action receipts with Ed25519.
//
// Canonical output is byte-compatible with Python's
// json.dumps(v, sort_keys=True, separators=(",", ":")), so a hash computed
// here matches one computed by a Python verifier. A receipt carries the
// SHA-256 of the canonical bytes as "sha256:<hex>" and an Ed25519
// signature over the canonical bytes themselves as "ed25519:<base64url>".
//
// The smallest use:
//
//	c, err := receipt.Canonical(payload)
//	if err != nil {
//		return err
//	}
//	hash, sig := receipt.PayloadHash(c), receipt.Sign(key, c)
//	err = receipt.Verify(pub, c, hash, sig) // nil: the receipt holds
//
// The package imports only the standard library and is safe for
// concurrent use.
package receipt
