package mockserver

import (
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/airabench/airabench/receipt"
)

// verifyResult is the VerifyResult of aira-api.md §2.5.
type verifyResult struct {
	Valid          bool            `json:"valid"`
	PublicKeyID    string          `json:"public_key_id"`
	Message        string          `json:"message"`
	VerifiedAt     string          `json:"verified_at"`
	RequestID      string          `json:"request_id"`
	ReceiptUUID    *string         `json:"receipt_uuid"`
	ReceiptID      *string         `json:"receipt_id"`
	ActionUUID     string          `json:"action_uuid,omitempty"`
	ActionID       string          `json:"action_id,omitempty"`
	PayloadHash    string          `json:"payload_hash,omitempty"`
	Signature      string          `json:"signature,omitempty"`
	PublicKey      string          `json:"public_key,omitempty"`
	Algorithm      string          `json:"algorithm,omitempty"`
	TimestampToken *string         `json:"timestamp_token"`
	SignedPayload  json.RawMessage `json:"signed_payload,omitempty"`
}

func verifyAction(s *Server, c *call) result {
	res := &verifyResult{
		PublicKeyID: "unknown", Message: "Action receipt not found",
		VerifiedAt: stamp(c.now), RequestID: c.reqID,
	}
	a := s.store.get(mux.Vars(c.r)["id"])
	if a == nil {
		return result{http.StatusOK, res}
	}
	a.mu.Lock()
	r := a.receipt
	a.mu.Unlock()
	if r == nil {
		return result{http.StatusOK, res}
	}
	err := receipt.Verify(s.pub, r.payload, r.hash, r.signature)
	res.Valid = err == nil
	res.Message = "Receipt signature verified"
	if err != nil {
		res.Message = "Receipt verification failed: " + err.Error()
	}
	res.PublicKeyID = s.keyID(c.prof)
	res.ReceiptUUID, res.ReceiptID = &r.uuid, &r.uuid
	res.ActionUUID, res.ActionID = a.uuid, a.uuid
	res.PayloadHash, res.Signature = r.hash, r.signature
	res.PublicKey = base64.StdEncoding.EncodeToString(s.pub)
	res.Algorithm, res.SignedPayload = receiptAlgorithm, r.payload
	return result{http.StatusOK, res}
}

type healthBody struct {
	Status    string `json:"status"`
	Version   string `json:"version"`
	Database  string `json:"database"`
	Signer    string `json:"signer"`
	RequestID string `json:"request_id"`
}

func health(_ *Server, c *call) result {
	return result{http.StatusOK, &healthBody{
		Status: "ok", Version: "airabench-mock", Database: "ok",
		Signer: "ok", RequestID: c.reqID,
	}}
}

// jwk is one public key as an RFC 8037 OKP JSON Web Key, with the raw
// key also in standard base64 as verify returns it.
type jwk struct {
	Kty       string `json:"kty"`
	Crv       string `json:"crv"`
	X         string `json:"x"`
	Kid       string `json:"kid"`
	Alg       string `json:"alg"`
	Use       string `json:"use"`
	PublicKey string `json:"public_key"`
	Algorithm string `json:"algorithm"`
	Status    string `json:"status"`
}

func jwks(s *Server, c *call) result {
	k := jwk{
		Kty: "OKP", Crv: "Ed25519", Alg: "EdDSA", Use: "sig",
		X:         base64.RawURLEncoding.EncodeToString(s.pub),
		Kid:       s.keyID(c.prof),
		PublicKey: base64.StdEncoding.EncodeToString(s.pub),
		Algorithm: receiptAlgorithm, Status: "active",
	}
	return result{http.StatusOK, map[string]any{"keys": []jwk{k}}}
}
