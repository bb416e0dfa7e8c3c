// A failing IT: the build failed before mailrelay:stop, and the build extension stopped the servers.
def log = new File(basedir, 'build.log').text
assert log.contains('READY api http://127.0.0.1:')
assert log.contains('Tests run: 1, Failures: 1')
assert log.contains('BUILD FAILURE')
assert !(log =~ /mailrelay-maven-plugin:[^:]+:stop/)
assert log.contains('the build ended with the servers of dev.mailrelay.it:failing-it')

// mailrelay.properties went with the servers; their ports are in the READY lines.
assert !new File(basedir, 'target/mailrelay/mailrelay.properties').exists()
def readyPort = { String prefix -> ((log =~ /${java.util.regex.Pattern.quote(prefix)}(\d+)/)[0][1]) as int }
[readyPort('READY isp submission 127.0.0.1:'), readyPort('READY api http://127.0.0.1:')].each { port ->
    try {
        new Socket('127.0.0.1', port).close()
        assert false : "port ${port} still answers after the failed build"
    } catch (ConnectException expected) {
    }
}
// Stopping wrote the capture index too.
assert new File(basedir, 'target/mailrelay/messages.json').isFile()
return true
