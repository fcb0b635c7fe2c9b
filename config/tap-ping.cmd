# synfin answers ARP, IPv6 neighbour discovery and ping on port 0.
# Addresses from the benchmarking ranges: 198.18.0.0/15 (RFC 2544), 2001:2::/48 (RFC 5180).
port 0 address 198.18.0.1/24
port 0 address 2001:2::1/64
show port info 0
start
