// Both declaration orders discovered and ran the test: JUnit's own jars, not a mix with mailrelay's.
def log = new File(basedir, 'build.log').text
assert !log.contains('failed to discover tests')
def runs = (log =~ /Tests run: 1, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: .* in example\.WelcomeMailTest/).size()
assert runs == 2 : "expected the test to pass in both builds, found ${runs}"
return true
