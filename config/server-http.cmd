# A CPS server: every connection gets one HTTP request answered with a 128-byte body,
# then the client closes (TIME_WAIT lands on the client).
port 0 address 198.18.0.1/24
port 0 address 2001:2::1/64
response http 128
requests 1
close client
listen 0.0.0.0 80
listen :: 80
start
