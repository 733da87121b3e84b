#!/bin/sh
# Check that seeds of fuzz_netif reach what make_seeds.py says they do:
# run each with FUZZ_NETIF_VERBOSE=1 and look for a pattern in what the
# target printed for the input (the frames sent and its summary line).
# A seed whose effect is gone (a lease not bound, a reply no longer
# fragmented) would still pass the fuzz run; this test fails instead.
#
# Usage: check_seeds.sh FUZZ_NETIF CORPUS_DIR
bin=$1
corpus=$2
fail=0

# check SEED [!]ERE: the output for SEED up to its first summary line
# matches ERE (with "!": does not).
check() {
	out=$(FUZZ_NETIF_VERBOSE=1 "$bin" -runs=1 "$corpus/$1.bin" 2>&1) || {
		echo "FAIL $1: the input fails"
		echo "$out" | grep -v "^    #" | tail -8
		fail=1
		return
	}
	out=$(echo "$out" | sed -n '1,/^summary:/p')
	case $2 in
	!*) want=no pat=${2#!} ;;
	*) want=yes pat=$2 ;;
	esac
	if echo "$out" | grep -Eq -- "$pat"; then got=yes; else got=no; fi
	if [ $got = $want ]; then
		echo "ok   $1: $2"
	else
		echo "FAIL $1: $2"
		echo "$out" | grep -E '^(sent|summary|read|accepted|UDP)'
		fail=1
	fi
}

# A lease: OFFER then ACK bind 10.0.0.50; a NAK takes the address away.
check dhcp_offer_ack 'IPv4 10\.0\.0\.50 \(DHCP\)'
check dhcp_offer_nak 'IPv4 0\.0\.0\.0;'
# The handshake completes and the request is read.
check tcp_session 'read fd [0-9]+: 18$'
# Packet Too Big below 1280 or above the link's MTU changes nothing: the
# 200-byte reply goes out whole, the 1600-byte UDP echo in fragments.
whole='sent 3 frames, 0 IPv6 fragments'
check icmp6_ptb_0 "$whole;.*path MTU to fe80::1 1500\$"
check icmp6_ptb_50 "$whole;.*path MTU to fe80::1 1500\$"
check icmp6_ptb_1279 "$whole;.*path MTU to fe80::1 1500\$"
check icmp6_ptb_9000 \
	'sent 5 frames, 2 IPv6 fragments;.*path MTU to fe80::1 1500$'
check icmp6_ptb_1280 ' 2 IPv6 fragments;.*path MTU to fe80::1 1280$'
# Router advertisements: an MTU below 1280 is ignored, one above the
# link's cut to it, and a later one raises a lowered MTU again.
check ipv6_ra_mtu_50 ' 0 IPv6 fragments;.*IPv6 MTU 1500,'
check ipv6_ra_mtu_1280 ' 2 IPv6 fragments;.*IPv6 MTU 1280,'
check ipv6_ra_mtu_9000 ' 0 IPv6 fragments;.*IPv6 MTU 1500,'
check ipv6_ra_mtu_1280_1500 ' 0 IPv6 fragments;.*IPv6 MTU 1500,'
# A redirect from the first hop is followed, one from another host not.
check icmp6_redirect 'sent 70 bytes to 02:00:00:00:00:02'
check icmp6_redirect_forged '!sent [0-9]+ bytes to 02:00:00:00:00:02'
exit $fail
