// The README's plugin example: the IT passed against the servers mailrelay:start ran, and they are gone.
def log = new File(basedir, 'build.log').text
assert log.contains('READY isp submission 127.0.0.1:')
assert log.contains('READY relay smtp 127.0.0.1:')
// surefire ran the README's JUnit example; failsafe the README's MailRelayClient IT
assert log =~ /Tests run: [1-9]\d*, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: .* in example\.JakartaMailExampleTest/
assert log =~ /Tests run: 1, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: .* in example\.WelcomeMailIT/
assert log.contains('Tests run: 1, Failures: 0, Errors: 0')
assert log.contains('stopped the mailrelay servers of')
return true
