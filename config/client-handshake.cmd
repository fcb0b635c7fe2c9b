# A handshake-only CPS client: SYN, SYN-ACK, ACK, then our FIN at once; no request.
# 50,000 connections per second for 10 s from 198.18.0.100-.199 to 198.18.0.1:80.
port 0 address 198.18.0.100/24
client 198.18.0.100-198.18.0.199 198.18.0.1 80
set client rate 50000
set client duration 10
set client requests 0
set client close client
start
