// Both classes passed on one Spring context (loaded once, then taken from the cache) and one harness.
def log = new File(basedir, 'build.log').text
assert log =~ /Tests run: 1, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: .* in example\.WelcomeMailTest/
assert log =~ /Tests run: 1, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: .* in example\.PasswordResetMailTest/
def contexts = (log =~ /Started \w+Test in /).size()
assert contexts == 1 : "expected one Spring context for both classes, found ${contexts}"
return true
