package example;

import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.EnableSaslRelay.Lifecycle;
import dev.mailrelay.junit.ExportSystemProperties;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.SaslRelay;
import org.springframework.boot.test.context.SpringBootTest;

// tag::base[]
@SpringBootTest
@EnableSaslRelay(lifecycle = Lifecycle.PER_JVM)   // one harness for every subclass: Spring caches the context
@ExportSystemProperties                            // spring.mail.*, and an SSL bundle trusting the harness CA
abstract class AbstractMailTest {

    @InstanceName static SaslRelay mail;
}
// end::base[]
