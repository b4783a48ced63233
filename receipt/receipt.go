package receipt

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The prefixes of the two receipt fields.
const (
	HashPrefix      = "sha256:"
	SignaturePrefix = "ed25519:"
)

// Sentinel errors of Verify and Canonical. Returned errors wrap one of
// them with detail, so test with errors.Is.
var (
	// ErrHashMismatch means the payload does not hash to payload_hash.
	ErrHashMismatch = errors.New("receipt: payload hash mismatch")
	// ErrBadSignature means the signature does not verify under the key.
	ErrBadSignature = errors.New("receipt: bad signature")
	// ErrMalformed means an input could not be parsed or has the wrong
	// shape: a payload that is not JSON, a hash or signature without its
	// prefix, bad base64, or a key of the wrong size.
	ErrMalformed = errors.New("receipt: malformed input")
)

// PayloadHash returns "sha256:" followed by the lowercase hex SHA-256 of
// canonical.
func PayloadHash(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	b := make([]byte, 0, len(HashPrefix)+2*len(sum))
	b = append(b, HashPrefix...)
	return string(hex.AppendEncode(b, sum[:]))
}

// Sign returns "ed25519:" followed by the padded URL-safe base64 of the
// Ed25519 signature of canonical under key. It signs the canonical bytes
// themselves, not their hash. Sign panics, as ed25519.Sign does, if key
// is not ed25519.PrivateKeySize bytes long.
func Sign(key ed25519.PrivateKey, canonical []byte) string {
	sig := ed25519.Sign(key, canonical)
	b := make([]byte, 0, len(SignaturePrefix)+88)
	b = append(b, SignaturePrefix...)
	return string(base64.URLEncoding.AppendEncode(b, sig))
}

// Verify checks a receipt: it canonicalizes signedPayload, compares its
// hash with payloadHash, and verifies signature over the canonical bytes
// with pub. It returns nil when the receipt holds, and otherwise an error
// wrapping ErrMalformed, ErrHashMismatch or ErrBadSignature.
func Verify(pub ed25519.PublicKey, signedPayload json.RawMessage,
	payloadHash, signature string) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: public key is %d bytes, want %d",
			ErrMalformed, len(pub), ed25519.PublicKeySize)
	}
	c, err := Canonical(signedPayload)
	if err != nil {
		return fmt.Errorf("signed payload: %w", err)
	}
	if err := checkHash(c, payloadHash); err != nil {
		return err
	}
	sig, err := decodeSignature(signature)
	if err != nil {
		return err
	}
	if !ed25519.Verify(pub, c, sig) {
		return fmt.Errorf("%w: over %d canonical bytes",
			ErrBadSignature, len(c))
	}
	return nil
}

func checkHash(canonical []byte, payloadHash string) error {
	if !strings.HasPrefix(payloadHash, HashPrefix) {
		return fmt.Errorf("%w: payload hash %q lacks %q",
			ErrMalformed, payloadHash, HashPrefix)
	}
	want := PayloadHash(canonical)
	if want != payloadHash {
		return fmt.Errorf("%w: got %s, computed %s",
			ErrHashMismatch, payloadHash, want)
	}
	return nil
}

func decodeSignature(signature string) ([]byte, error) {
	enc, ok := strings.CutPrefix(signature, SignaturePrefix)
	if !ok {
		return nil, fmt.Errorf("%w: signature lacks %q",
			ErrMalformed, SignaturePrefix)
	}
	sig, err := base64.URLEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: signature base64: %w",
			ErrMalformed, err)
	}
	if len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: signature is %d bytes, want %d",
			ErrMalformed, len(sig), ed25519.SignatureSize)
	}
	return sig, nil
}
