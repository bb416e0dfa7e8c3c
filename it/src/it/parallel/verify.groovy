// -T 2: each module had its own servers (distinct ports, its own login), and both were stopped.
def log = new File(basedir, 'build.log').text
assert log.contains('MultiThreadedBuilder') || log.contains('with a thread count of 2')
def ports = []
['alpha', 'beta'].each { module ->
    def props = new Properties()
    new File(basedir, "${module}/target/mailrelay/mailrelay.properties").withInputStream { props.load(it) }
    ports << (props.getProperty('mailrelay.isp.submission.port') as int)
    ports << (props.getProperty('mailrelay.api.port') as int)
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
