# HTTP CPS over IPv6: 50,000 connections per second for 10 s from 2001:2::100-2001:2::1ff to
# [2001:2::1]:80 (config/server-http.cmd listens there too), one GET each, the client closes.
# Addresses from the benchmarking range 2001:2::/48 (RFC 5180).
port 0 address 2001:2::100/64
client 2001:2::100-2001:2::1ff 2001:2::1 80
set client rate 50000
set client duration 10
set client requests 1
set client request http /
set client close client
start
