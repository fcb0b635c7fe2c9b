# A CPS client: 100,000 connections per second for 10 s from 198.18.0.100-.199 to the server at
# 198.18.0.1:80, one HTTP GET each, byte-exact responses, the client closes.
port 0 address 198.18.0.100/24
client 198.18.0.100-198.18.0.199 198.18.0.1 80
set client rate 100000
set client duration 10
set client requests 1
set client request http /
set client close client
start
