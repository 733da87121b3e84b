/* lib/dns: the DNS wire format (RFC 1035 s4.1, EDNS0 of RFC 6891) with no
 * I/O and no allocation: a strict parser of queries, name comparison in
 * the canonical order of RFC 4034 s6.1, and a builder of responses with
 * name compression and truncation at an RRset boundary, over buffers the
 * caller supplies. Plain C against libc headers: built for the guest and
 * on the host. Names here are in uncompressed wire form (length-prefixed
 * labels ending with the root label 0), at most DNS_NAME_MAX octets. */
#ifndef DNS_WIRE_H
#define DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN 12
#define DNS_NAME_MAX 255  /* octets of a name in wire form, root included */
#define DNS_LABEL_MAX 63  /* octets of one label */
#define DNS_UDP_MIN 512	  /* a response without EDNS, and EDNS's floor */
#define DNS_MSG_MAX 65535 /* a message over TCP */
#define DNS_EDNS_UDP_SIZE 1232 /* the payload size a response advertises */

/* Header flag bits (in the 16-bit word after the ID). */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_AD 0x0020
#define DNS_FLAG_CD 0x0010

#define DNS_OPCODE_QUERY 0

/* RCODEs; those above 15 need EDNS (the upper 8 bits go in the OPT RR). */
#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5
#define DNS_RCODE_BADVERS 16

/* Types and the class the library treats specially. */
#define DNS_TYPE_A 1
#define DNS_TYPE_NS 2
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_SOA 6
#define DNS_TYPE_PTR 12
#define DNS_TYPE_MX 15
#define DNS_TYPE_TXT 16
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_SRV 33
#define DNS_TYPE_DNAME 39
#define DNS_TYPE_OPT 41
#define DNS_TYPE_CAA 257
#define DNS_CLASS_IN 1

/* Results of dns_parse_query(). */
enum dns_parse_result {
	DNS_PARSE_OK = 0,
	DNS_PARSE_FORMERR = -1, /* malformed: answer FORMERR */
	DNS_PARSE_DROP = -2,	/* no header, or a response: do not answer */
	DNS_PARSE_NOTIMP = -3,	/* opcode other than QUERY: answer NOTIMP */
};

/* Results of the builder's calls. */
enum dns_build_result {
	DNS_BUILD_OK = 0,
	DNS_BUILD_FULL = -1,  /* did not fit: rolled back, TC set, stopped */
	DNS_BUILD_INVAL = -2, /* bad argument (a malformed name or RDATA, a
				 section out of order, a count overflow) */
};

/* A parsed query. qname keeps the question's case (for the reply);
 * qname_lc is the same name lower-cased (ASCII), for lookups. */
struct dns_query {
	uint16_t id;
	uint16_t flags;	   /* the header's flag word as received */
	uint8_t opcode;	   /* 0..15 */
	bool rd, cd;	   /* recursion desired, checking disabled */
	bool has_question; /* qname, qtype, qclass are valid */
	uint8_t qname[DNS_NAME_MAX];
	uint8_t qname_lc[DNS_NAME_MAX];
	uint16_t qname_len; /* octets of qname, root label included */
	uint16_t qtype, qclass;
	bool edns; /* the query had an OPT RR; the fields below hold */
	uint16_t edns_udp_size; /* advertised payload size, as sent */
	uint8_t edns_ext_rcode; /* upper 8 bits of the RCODE (0 in a query) */
	uint8_t edns_version;	/* > 0: the server answers BADVERS */
	bool edns_do;		/* DNSSEC OK */
	uint16_t edns_opts_len; /* octets of options (each checked) */
};

/* Parse the query pkt[0..len) into *q. Returns DNS_PARSE_DROP when len is
 * under DNS_HEADER_LEN or the QR bit is set (nothing else of q is then
 * set); DNS_PARSE_NOTIMP for an opcode other than QUERY, with the header
 * fields set and, when QDCOUNT is 1 and the question parses,
 * has_question; DNS_PARSE_FORMERR for any malformed query, with the
 * header fields set and has_question when the question was read before
 * the error; DNS_PARSE_OK when the query is well formed: QDCOUNT 1, ANCOUNT
 * and NSCOUNT 0, at most one OPT RR (root owner, options that tile its
 * RDATA exactly), other additional RRs well formed, nothing after the
 * last RR. Names: labels of at most 63 octets (types 0x40 and 0x80
 * refused), at most 255 octets decoded, compression pointers strictly
 * backwards, past the header and inside the packet, at most 127 of them
 * in one name. Reads nothing
 * outside pkt[0..len). */
int dns_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q);

/* The UDP response size a query allows: 512 without EDNS, else its
 * advertised size (at least 512). */
size_t dns_query_udp_size(const struct dns_query *q);

/* Octets of the uncompressed wire name at name (root label included), or 0
 * when it is not one within max octets (a label over 63, a compression
 * or reserved label type, over DNS_NAME_MAX, no root within max). */
size_t dns_name_len(const uint8_t *name, size_t max);

/* Number of labels of a valid wire name, the root not counted. */
unsigned dns_name_labels(const uint8_t *name);

/* Copy the valid wire name src to dst lower-cased (ASCII A-Z only);
 * returns its length. dst may be src. */
size_t dns_name_lower(uint8_t *dst, const uint8_t *src);

/* Whether valid wire names a and b are equal ignoring ASCII case. */
bool dns_name_equal(const uint8_t *a, const uint8_t *b);

/* Canonical order of valid wire names (RFC 4034 s6.1: by labels from the
 * rightmost, each compared as lower-cased octet strings, a label that is
 * a prefix of another sorting first): < 0, 0 or > 0 like memcmp. */
int dns_name_compare(const uint8_t *a, const uint8_t *b);

/* Whether valid wire name name is sub (itself or under it), ignoring case. */
bool dns_name_is_subdomain(const uint8_t *name, const uint8_t *sub);

/* Whether rdata[0..rdlen) is well formed for type: A 4 octets, AAAA 16;
 * NS, CNAME, PTR, DNAME one uncompressed name filling it; MX 2 octets and
 * a name; SRV 6 octets and a name; SOA two names and 20 octets; any other
 * type any RDATA up to 65535 octets. */
bool dns_rdata_valid(uint16_t type, const uint8_t *rdata, size_t rdlen);

/* The name an RDATA of type points at, for chains and additional
 * records: the target of CNAME, DNAME, NS, MX (exchange) and SRV; NULL
 * for other types. rdata must be valid (dns_rdata_valid). */
const uint8_t *dns_rdata_target(uint16_t type, const uint8_t *rdata);

/* Sections of a message, in order. */
enum dns_section {
	DNS_SECTION_QUESTION,
	DNS_SECTION_ANSWER,
	DNS_SECTION_AUTHORITY,
	DNS_SECTION_ADDITIONAL,
};

#define DNS_COMPRESS_MAX 64 /* name offsets the compression table holds */

/* A response being built; fields are private to lib/dns but for
 * opt_udp_size (the payload size the OPT RR advertises, set by
 * dns_build_start to DNS_EDNS_UDP_SIZE). */
struct dns_builder {
	uint8_t *buf;
	size_t max;	   /* what the response may use, the OPT RR's room
			      kept aside */
	size_t len;	   /* octets written */
	uint16_t count[4]; /* RRs per section */
	enum dns_section section;
	bool full; /* an RR did not fit: nothing more is added */
	bool edns; /* an OPT RR ends the additional section */
	bool edns_do;
	uint16_t opt_udp_size;
	uint8_t ext_rcode;
	/* The RRset being written: where it starts, for the rollback. */
	size_t set_len;
	uint16_t set_count;
	unsigned set_ncomp;
	uint16_t set_type, set_class;
	uint8_t set_owner[DNS_NAME_MAX];
	bool in_set;
	/* Offsets of labels already written, for compression. */
	uint16_t comp[DNS_COMPRESS_MAX];
	unsigned ncomp;
	/* An Extended DNS Error (RFC 8914) for the OPT RR, when has_ede. */
	bool has_ede;
	uint16_t ede_code;
	const char *ede_text;
};

/* A point of a response being built, to come back to. */
struct dns_build_mark {
	size_t len;
	uint16_t count[4];
	unsigned ncomp;
	enum dns_section section;
	uint8_t flags[2];
	bool full;
};

/* Start a response to q in buf[0..size): size is what the response may
 * take (dns_query_udp_size(q) over UDP, DNS_MSG_MAX over TCP; larger
 * values count as DNS_MSG_MAX). Writes the header (q's ID, opcode, RD and
 * CD; QR set; AA, TC clear; RCODE 0) and q's question with its case when
 * q->has_question. When q->edns, room for an OPT RR is kept and
 * dns_build_finish() writes it. Returns DNS_BUILD_INVAL (nothing written)
 * when size cannot hold the header, question and OPT RR. */
int dns_build_start(struct dns_builder *b, uint8_t *buf, size_t size,
		    const struct dns_query *q);

/* Set the response's RCODE (0..4095): its low 4 bits go in the header,
 * the rest in the OPT RR (a value over 15 needs an EDNS query: INVAL
 * otherwise). */
int dns_build_set_rcode(struct dns_builder *b, unsigned rcode);

/* Set or clear a header flag (DNS_FLAG_AA, DNS_FLAG_TC, ...). */
void dns_build_set_flag(struct dns_builder *b, uint16_t flag, bool on);

/* Move on to section s (ANSWER, AUTHORITY or ADDITIONAL), which must not
 * come before the current one: DNS_BUILD_INVAL otherwise. */
int dns_build_section(struct dns_builder *b, enum dns_section s);

/* Append an RR to the current section: owner (a valid wire name), type,
 * class, TTL, and rdata[0..rdlen) uncompressed (as a zone stores it).
 * The owner is compressed against names written before; so are the names
 * inside RDATA of NS, CNAME, PTR, MX and SOA (MNAME, RNAME), and only of
 * those (RFC 3597 s4). An RR with the same owner (ignoring case), type
 * and class as the one before it in the same section belongs to its
 * RRset. When the RR does not fit, the whole RRset it belongs to is taken
 * out again, TC is set and DNS_BUILD_FULL returned, as for every later
 * call; the message up to there stays valid. DNS_BUILD_INVAL (nothing
 * written) for a malformed owner, RDATA that is not a valid one for a
 * type with names, rdlen over 65535, or an RR in the question section. */
int dns_build_rr(struct dns_builder *b, const uint8_t *owner, uint16_t type,
		 uint16_t class, uint32_t ttl, const uint8_t *rdata,
		 size_t rdlen);

/* Remember where the response stands, so that what is added after can
 * be taken out again by dns_build_rollback (optional data that would
 * make the response too large, without TC). */
void dns_build_mark(const struct dns_builder *b, struct dns_build_mark *m);

/* Take out everything added since mark m (RRs, TC, a full state); the
 * header's flags and the section come back as they were at m. */
void dns_build_rollback(struct dns_builder *b, const struct dns_build_mark *m);

/* Add an Extended DNS Error (RFC 8914) to the OPT RR: info code and an
 * optional static text (NULL for none). Ignored without EDNS, and left
 * out by dns_build_finish() when it does not fit. */
void dns_build_set_ede(struct dns_builder *b, uint16_t code, const char *text);

/* Finish the response: the OPT RR (root owner, opt_udp_size, extended
 * RCODE, version 0, DO copied from the query, no options) when the query
 * had EDNS, and the section counts. Returns the message's length. */
size_t dns_build_finish(struct dns_builder *b);

#endif
