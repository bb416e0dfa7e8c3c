// -DskipITs: no servers, no properties, and stop finds nothing.
def log = new File(basedir, 'build.log').text
assert log.contains('mailrelay: skipped (skipITs)')
assert !log.contains('READY')
assert log.contains('mailrelay: nothing running for skip-its')
assert !new File(basedir, 'target/mailrelay/mailrelay.properties').exists()
return true
