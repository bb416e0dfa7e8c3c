// postconf -n per instance (a configDirectory one and a POM one), the -a/-A lists and mechanisms;
// postmap answers with Postfix's address search order (joe+list@ -> joe@ via recipient_delimiter).
def log = new File(basedir, 'build.log').text
// Under -q the answers are standard output lines (Maven may put a colour reset in front of the first).
def lines = log.readLines().collect { it.replaceAll(/\u001B\[[0-9;]*m/, '') }
def isp = lines.indexOf('# instance isp')
def relay = lines.indexOf('# instance relay')
assert isp >= 0 && relay > isp
assert lines.subList(isp, relay).contains('myhostname = mail.isp.example')
assert lines.subList(isp, relay).contains('recipient_delimiter = +')
// -n prints values as written, as Postfix's postconf -n (not -nx)
assert lines.subList(isp, relay).contains('mydestination = $myhostname, isp.example')
// -n: only what was set
assert !lines.subList(isp, relay).any { it.startsWith('smtpd_banner = ') }
assert lines.contains('mailrelay_hostnames = relay.example')
assert lines.contains('smtpd_tls_security_level = may')
assert lines.contains('mailrelay_sasl_users = inline:{ (hidden) }')
assert !log.contains('hunter2')
def a = lines.indexOf('# postconf -a (SASL server implementations)')
assert lines[a + 1] == 'cyrus'
assert lines[lines.indexOf('# postconf -A (SASL client implementations)') + 1] == 'cyrus'
def mechs = lines[lines.indexOf('# SASL server mechanisms') + 1].split(' ') as List
assert mechs.containsAll(['PLAIN', 'LOGIN', 'CRAM-MD5', 'DIGEST-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256'])
// postmap -q prints the value alone
assert lines.contains('joe.smith@isp.example')
return true
