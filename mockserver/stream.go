package mockserver

import (
	"encoding/hex"
	"hash/fnv"
	"math/rand/v2"
)

// newStream returns the random stream for one named principal: the
// server seed picks the stream family and the name picks the member, so
// each key's choices do not depend on other keys' traffic.
func newStream(seed int64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

// newUUID draws a version 4 UUID from r.
func newUUID(r *rand.Rand) string {
	var b [16]byte
	hi, lo := r.Uint64(), r.Uint64()
	for i := range 8 {
		b[i] = byte(hi >> (56 - 8*i))
		b[8+i] = byte(lo >> (56 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// newRequestID draws a request id of the form req_<24 hex digits>.
func newRequestID(r *rand.Rand) string {
	var b [12]byte
	hi, lo := r.Uint64(), r.Uint32()
	for i := range 8 {
		b[i] = byte(hi >> (8 * i))
	}
	for i := range 4 {
		b[8+i] = byte(lo >> (8 * i))
	}
	var s [4 + 24]byte
	copy(s[:], "req_")
	hex.Encode(s[4:], b[:])
	return string(s[:])
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZ" +
	"abcdefghijkmnopqrstuvwxyz"

// newAPIKey draws a key shaped like Aira's: a prefix and 44 base58
// characters, about 32 random bytes.
func newAPIKey(r *rand.Rand) string {
	b := []byte("aira_test_")
	for range 44 {
		b = append(b, base58Alphabet[r.IntN(len(base58Alphabet))])
	}
	return string(b)
}
