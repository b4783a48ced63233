package receipt

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func testKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	return priv.Public().(ed25519.PublicKey), priv
}

const payload = `{"receipt_version":"1.2","alg":"Ed25519",` +
	`"action_uuid":"a","note":"caf\u00e9 <&>","n":1.0}`

func mint(t *testing.T, priv ed25519.PrivateKey) (c []byte, h, s string) {
	t.Helper()
	c, err := Canonical(json.RawMessage(payload))
	if err != nil {
		t.Fatal(err)
	}
	return c, PayloadHash(c), Sign(priv, c)
}

func TestSignVerifyRoundTrip(t *testing.T) {
	pub, priv := testKey(t)
	c, h, s := mint(t, priv)
	if len(s) != len(SignaturePrefix)+88 || !strings.HasSuffix(s, "==") {
		t.Errorf("Sign = %q, want ed25519: and 88 padded chars", s)
	}
	for _, in := range []string{string(c), payload} {
		if err := Verify(pub, json.RawMessage(in), h, s); err != nil {
			t.Errorf("Verify(%s) = %v, want nil", in, err)
		}
	}
}

func TestVerifyTampered(t *testing.T) {
	pub, priv := testKey(t)
	c, h, s := mint(t, priv)
	otherPub, _, _ := ed25519.GenerateKey(nil)
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name    string
		pub     ed25519.PublicKey
		payload string
		hash    string
		sig     string
		want    error
	}{
		{"payload changed", pub, strings.Replace(string(c), `"a"`,
			`"b"`, 1), h, s, ErrHashMismatch},
		{"hash changed", pub, string(c), flip(h, 10), s, ErrHashMismatch},
		{"signature changed", pub, string(c), h, flip(s, 12),
			ErrBadSignature},
		{"other key", otherPub, string(c), h, s, ErrBadSignature},
		{"hash prefix", pub, string(c), h[len(HashPrefix):], s,
			ErrMalformed},
		{"signature prefix", pub, string(c), h,
			s[len(SignaturePrefix):], ErrMalformed},
		{"signature base64", pub, string(c), h, s + "!", ErrMalformed},
		{"short signature", pub, string(c), h, "ed25519:AAAA",
			ErrMalformed},
		{"payload not json", pub, "{", h, s, ErrMalformed},
		{"short key", pub[:8], string(c), h, s, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.pub, json.RawMessage(tt.payload),
				tt.hash, tt.sig)
			if !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func BenchmarkMint(b *testing.B) {
	seed := make([]byte, ed25519.SeedSize)
	priv := ed25519.NewKeyFromSeed(seed)
	v := map[string]any{
		"receipt_version": "1.2", "alg": "Ed25519",
		"action_uuid": "6f1c0c8e-3b57-4e7a-9d2c-1f0a2b3c4d5e",
		"action_type": "wire_transfer", "agent_id": "agent",
		"created_at": "2026-04-10T00:00:00Z",
		"authorization_ref": map[string]any{
			"policy_evaluation_uuid": "x", "approval_authorization_uuid": nil,
		},
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := Canonical(v)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = PayloadHash(c), Sign(priv, c)
	}
}
