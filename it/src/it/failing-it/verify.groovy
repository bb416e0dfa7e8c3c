// A failing IT: the build failed before mailrelay:stop, and the build extension stopped the servers.
def log = new File(basedir, 'build.log').text
assert log.contains('READY api http://127.0.0.1:')
assert log.contains('Tests run: 1, Failures: 1')
assert log.contains('BUILD FAILURE')
assert !(log =~ /mailrelay-maven-plugin:[^:]+:stop/)
assert log.contains('the build ended with the servers of dev.mailrelay.it:failing-it')

def props = new Properties()
new File(basedir, 'target/mailrelay/mailrelay.properties').withInputStream { props.load(it) }
[props.getProperty('mailrelay.isp.submission.port') as int, props.getProperty('mailrelay.api.port') as int].each { port ->
    try {
        new Socket('127.0.0.1', port).close()
        assert false : "port ${port} still answers after the failed build"
    } catch (ConnectException expected) {
    }
}
// Stopping wrote the capture index too.
assert new File(basedir, 'target/mailrelay/messages.json').isFile()
return true
