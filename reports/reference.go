package reports

// Reference is a number Aira publishes, for measurements to stand beside.
// Value is in Unit; Source names the page that publishes it.
type Reference struct {
	Name   string  // what is measured, e.g. "authorize requests"
	Value  float64 // the published figure, in Unit
	Unit   string  // e.g. "authorize/s", "ms", "req/min"
	Source string  // where Aira publishes it
	Note   string  // conditions of the figure, e.g. "one 4-vCPU instance"
	Approx bool    // true when published as "~N"
}

// Label returns a one-line caption for a plot, e.g.
// "Aira published ~200 authorize/s, one 4-vCPU instance".
func (r *Reference) Label() string {
	s := "Aira published "
	if r.Approx {
		s += "~"
	}
	s += formatNumber(r.Value) + " " + r.Unit
	if r.Note != "" {
		s += ", " + r.Note
	}
	return s
}

// Sources of the reference numbers, as named in DESIGN.md.
const (
	SourceBatchGuide = "Aira batch-processing guide"
	SourcePerfGuide  = "Aira performance guide"
	SourceRateLimits = "Aira rate-limits page"
)

// The reference numbers of DESIGN.md. They are variables so a report can
// point at them; do not modify them.
var (
	RefAuthorize = Reference{Name: "authorize requests", Value: 200,
		Unit: "authorize/s", Source: SourceBatchGuide,
		Note: "one 4-vCPU instance", Approx: true}
	RefVerify = Reference{Name: "receipt verifications", Value: 100,
		Unit: "verifications/s", Source: SourceBatchGuide,
		Note: "one 4-vCPU instance", Approx: true}
	RefMint = Reference{Name: "receipt mints", Value: 10500,
		Unit: "mints/s", Source: SourceBatchGuide + "; " + SourcePerfGuide,
		Note: "in-process, 95 µs p50, one thread", Approx: true}
	RefSign = Reference{Name: "Ed25519 signs", Value: 10600,
		Unit: "signs/s", Source: SourcePerfGuide, Note: "one core"}
	RefVerifySig = Reference{Name: "Ed25519 verifies", Value: 4900,
		Unit: "verifies/s", Source: SourcePerfGuide, Note: "one core"}
	RefCanonicalJSON = Reference{Name: "canonical JSON encodings",
		Value: 429000, Unit: "encodings/s", Source: SourcePerfGuide,
		Note: "one core"}
	RefAuthorizeP50 = Reference{Name: "POST /actions p50", Value: 90,
		Unit: "ms p50", Source: SourcePerfGuide,
		Note:   "over the internet; 10-20 ms in the same datacenter",
		Approx: true}
	RefNotarizeP50 = Reference{Name: "POST /actions/{id}/notarize p50",
		Value: 100, Unit: "ms p50", Source: SourcePerfGuide, Approx: true}
	RefRateLimit = Reference{Name: "default rate limit", Value: 60,
		Unit: "req/min", Source: SourceRateLimits,
		Note: "per authenticated key, sliding window"}
)

// References lists every reference number, in the order of DESIGN.md.
var References = []*Reference{
	&RefAuthorize, &RefVerify, &RefMint, &RefSign, &RefVerifySig,
	&RefCanonicalJSON, &RefAuthorizeP50, &RefNotarizeP50, &RefRateLimit,
}

// ThroughputReference returns the published throughput a flow's
// operations per second compare with, or nil when Aira publishes none.
// An authorize+notarize operation holds one authorize request, so it is
// held against the authorize figure too.
func ThroughputReference(flow string) *Reference {
	switch flow {
	case "authorize", "authorize+notarize":
		return &RefAuthorize
	case "verify":
		return &RefVerify
	case "mint":
		return &RefMint
	}
	return nil
}
