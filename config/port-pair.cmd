# Port-pair mode: port 0 is the client port, port 1 the server port, the device under test
# between them routes 198.18.1.0/24 (its address there: 198.18.1.1) and 198.18.2.0/24.
# 2,000 HTTP connections per second for 5 s across the device; the gateway's MAC by ARP.
# (tests/integration/device loads this file, then adds IPv6 and its own rates.)
port 0 address 198.18.1.2/24
port 0 role client
port 0 gateway 198.18.1.1
port 1 address 198.18.2.2/24
port 1 role server
set tcp msl 1000
response http 256
close client
listen 198.18.2.2 80
client 198.18.1.10-198.18.1.19 198.18.2.2 80
set client rate 2000
set client duration 5
set client request http /
set client close client
