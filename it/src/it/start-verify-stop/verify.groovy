// start/verify/stop: the IT passed, the servers were stopped by mailrelay:stop, the capture was written.
def log = new File(basedir, 'build.log').text
assert log.contains('READY isp submission 127.0.0.1:')
assert log.contains('READY relay smtp 127.0.0.1:')
assert log.contains('READY api http://127.0.0.1:')
assert log.contains('Tests run: 1, Failures: 0, Errors: 0')
assert log.contains('stopped the mailrelay servers of')
// <extensions>true</extensions> made the session-end participant active: no warning about it.
assert !log.contains('declare the plugin with <extensions>true</extensions>')

def out = new File(basedir, 'target/mailrelay')
// mailrelay:stop removed the properties: nothing may point at ports that no longer answer.
assert !new File(out, 'mailrelay.properties').exists()
def readyPort = { String prefix -> ((log =~ /${java.util.regex.Pattern.quote(prefix)}(\d+)/)[0][1]) as int }
def smtpPort = readyPort('READY isp submission 127.0.0.1:')
def relayPort = readyPort('READY relay smtp 127.0.0.1:')
def apiPort = readyPort('READY api http://127.0.0.1:')

[smtpPort, relayPort, apiPort].each { port ->
    try {
        new Socket('127.0.0.1', port).close()
        assert false : "port ${port} still answers after mailrelay:stop"
    } catch (ConnectException expected) {
    }
}

def index = new groovy.json.JsonSlurper().parse(new File(out, 'messages.json'))
def isp = index.instances.find { it.name == 'isp' }
assert isp.messages.size() == 1
def m = isp.messages[0]
assert m.message.saslUsername == 'alice'
assert m.message.saslMethod == 'PLAIN'
assert new File(out, m.file).text.contains('Subject: invoker start-verify-stop')
assert !new File(out, 'messages.json').text.contains('wonderland')
return true
