#!/bin/sh
# Reference Postfix 3.7 + Cyrus SASL setup (loopback only)
set -e
postfix stop 2>/dev/null || true
# local test users (mailboxes in /var/mail)
id alice >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin alice
id bob   >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin bob
# SASL users (sasldb /etc/sasldb2)
echo 'secret'  | saslpasswd2 -p -c -u example.com alice
echo 'secret'  | saslpasswd2 -p -c -u mail.example.com alice
echo 'bobpw'   | saslpasswd2 -p -c -u example.com bob
echo 'vmpw'    | saslpasswd2 -p -c carol          # realm = gethostname() = "vm"
chown root:postfix /etc/sasldb2; chmod 640 /etc/sasldb2
mkdir -p /etc/postfix/sasl
cat > /etc/postfix/sasl/smtpd.conf <<'X'
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256 ANONYMOUS
X
cat > /etc/postfix/sender_login <<'X'
alice@example.com   alice@example.com
bob@example.com     bob@example.com
X
postconf -e \
 'myhostname = mail.example.com' 'mydomain = example.com' 'myorigin = $mydomain' \
 'mydestination = $myhostname, $mydomain, localhost.$mydomain, localhost' \
 'mynetworks = 127.0.0.0/8' 'inet_interfaces = loopback-only' 'inet_protocols = ipv4' \
 'smtpd_sasl_auth_enable = yes' 'smtpd_sasl_authenticated_header = yes' \
 'broken_sasl_auth_clients = yes' 'smtpd_sasl_local_domain =' \
 'smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination' \
 'maillog_file = /var/log/postfix.log' 'message_size_limit = 10240000' \
 'alias_maps = hash:/etc/aliases' 'alias_database = hash:/etc/aliases'
# smtpd_relay_restrictions stays at Debian/3.7 default: permit_mynetworks permit_sasl_authenticated defer_unauth_destination
newaliases
# master.cf: disable port 25 service, add loopback test services (all chroot = n)
sed -i 's/^smtp      inet  n       -       y       -       -       smtpd/#&/' /etc/postfix/master.cf
sed -i '/^# BEGIN pfref/,/^# END pfref/d' /etc/postfix/master.cf
cat >> /etc/postfix/master.cf <<'X'
# BEGIN pfref
127.0.0.1:10025 inet n - n - - smtpd
127.0.0.1:10026 inet n - n - - smtpd
  -o mynetworks=10.0.0.0/8
127.0.0.1:10027 inet n - n - - smtpd
  -o smtpd_sasl_auth_enable=no
127.0.0.1:10028 inet n - n - - smtpd
  -o smtpd_sasl_response_limit=12288
127.0.0.1:10029 inet n - n - - smtpd
  -o broken_sasl_auth_clients=no
127.0.0.1:10030 inet n - n - - smtpd
  -o smtpd_sasl_local_domain=example.com
127.0.0.1:10031 inet n - n - - smtpd
  -o mynetworks=10.0.0.0/8
  -o smtpd_sender_login_maps=texthash:/etc/postfix/sender_login
  -o smtpd_sender_restrictions=reject_sender_login_mismatch
127.0.0.1:10032 inet n - n - - smtpd
  -o mynetworks=10.0.0.0/8
  -o smtpd_relay_restrictions=
127.0.0.1:10033 inet n - n - - smtpd
  -o mynetworks=10.0.0.0/8
  -o smtpd_sasl_local_domain=example.com
127.0.0.1:10034 inet n - n - - smtpd
  -o smtpd_sasl_security_options=
# END pfref
X
postfix check
postfix start
