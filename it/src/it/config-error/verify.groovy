// The build fails naming the instance's main.cf text, the line and the parameter.
def log = new File(basedir, 'build.log').text
assert log.contains('mailrelay: isp main.cf text, line 2: parameter smtpd_timeout: bad time value or unit: 3x')
assert !log.contains('READY')
return true
