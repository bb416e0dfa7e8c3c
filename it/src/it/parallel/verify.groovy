// -T 2: each module had its own servers (distinct ports, its own login), and both were stopped.
def log = new File(basedir, 'build.log').text
assert log.contains('MultiThreadedBuilder') || log.contains('with a thread count of 2')
// Each module's READY lines (mailrelay.properties went with its servers).
def ports = []
(log =~ /READY isp submission 127\.0\.0\.1:(\d+)/).each { ports << (it[1] as int) }
(log =~ /READY api http:\/\/127\.0\.0\.1:(\d+)\//).each { ports << (it[1] as int) }
assert ports.size() == 4
['alpha', 'beta'].each { module ->
    assert !new File(basedir, "${module}/target/mailrelay/mailrelay.properties").exists()
    def index = new groovy.json.JsonSlurper().parse(new File(basedir, "${module}/target/mailrelay/messages.json"))
    def messages = index.instances.find { it.name == 'isp' }.messages
    assert messages.size() == 1
    assert messages[0].message.saslUsername == module
    assert log.contains("stopped the mailrelay servers of dev.mailrelay.it:${module}@")
}
assert ports.unique(false).size() == 4
ports.each { port ->
    try {
        new Socket('127.0.0.1', port).close()
        assert false : "port ${port} still answers"
    } catch (ConnectException expected) {
    }
}
assert (log =~ /Tests run: 1, Failures: 0, Errors: 0, Skipped: 0/).count >= 2
return true
