package dev.mailrelay.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** {@code @EnableSaslRelay} found through a composed annotation and through a superclass. */
class InheritanceAndMetaAnnotationTest {

    /** A team's own annotation: their ISP in one place. */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @EnableSaslRelay(instances = @SaslInstance(name = "corp", myhostname = "smtp.corp.example", users = "svc",
            masterCf = "submission inet n - n - - smtpd"))
    @interface CorporateSmtp {
    }

    @CorporateSmtp
    abstract static class CorporateMailTestBase {
    }

    @Nested
    @CorporateSmtp
    class MetaAnnotated {
        @Test
        void startsTheComposedConfiguration(@InstanceName("corp") RelayInstance corp) {
            assertThat(corp.hostname()).isEqualTo("smtp.corp.example");
            assertThat(corp.password("svc")).hasSize(20);
        }
    }

    @Nested
    class Inherited extends CorporateMailTestBase {
        @Test
        void startsTheSuperclasssConfiguration(SaslRelay mail) {
            assertThat(mail.entry().name()).isEqualTo("corp");
            assertThat(mail.port()).isPositive();
        }
    }
}
