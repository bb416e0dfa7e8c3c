package dev.mailrelay.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * The names the previous release used still work for one more release, as {@code @Deprecated}
 * aliases of the names annotation, builder and plugin now share (see {@code VocabularyTest}).
 */
@SuppressWarnings("deprecation")
class DeprecatedAliasesTest {

    static final Map<String, Object> SEEN = new ConcurrentHashMap<>();

    @EnableSaslRelay(config = "classpath:postfix/isp")
    static class AnnotationAliases {
        @Instance("isp")
        RelayInstance field;

        @Test
        void aliases(SaslRelay mail, @Instance("isp") RelayInstance isp) {
            SEEN.put("server", mail.server("isp") == isp);
            SEEN.put("field", field == isp);
            SEEN.put("myhostname", isp.hostname());
        }
    }

    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class BuilderAliases {
        @RegisterExtension
        static SaslRelayExtension mail = SaslRelayExtension.builder()
                .config("classpath:postfix/isp")
                .mainCf("isp", "message_size_limit = 123456")
                .keepCapturedMailBetweenTests()
                .build();

        @Test
        @Order(1)
        void sends(SaslRelay mail) throws Exception {
            Mail.send(mail.host(), mail.port(), "test", "testpass", "a@example.com", "b@example.org", "kept");
            mail.instance("isp").awaitMessages(1);
        }

        @Test
        @Order(2)
        void stillThere(SaslRelay mail) {
            SEEN.put("kept", mail.instance("isp").messages().size());
            SEEN.put("message_size_limit", mail.instance("isp").parameters().get("message_size_limit"));
        }
    }

    @EnableSaslRelay(config = "classpath:postfix/isp", configDirectory = "classpath:postfix")
    static class BothNames {
        @Test
        void never() {
        }
    }

    @Test
    void theOldNamesStillWork() {
        SEEN.clear();
        var events = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(AnnotationAliases.class), selectClass(BuilderAliases.class))
                .execute().testEvents();
        assertThat(events.failed().count()).as(events.failed().list().toString()).isZero();
        assertThat(SEEN).containsEntry("server", true).containsEntry("field", true)
                .containsEntry("myhostname", "mail.example.com")
                .containsEntry("kept", 1).containsEntry("message_size_limit", "123456");
    }

    @Test
    void anAliasAndItsNewNameMustAgree() {
        var events = EngineTestKit.engine("junit-jupiter").selectors(selectClass(BothNames.class)).execute().allEvents();
        assertThat(events.failed().list().toString())
                .contains("configDirectory = \"classpath:postfix\"")
                .contains("deprecated alias config = \"classpath:postfix/isp\"");
    }
}
