package dev.mailrelay.global;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** delay= as Postfix's format_tv(buf, sec, usec, 2, delay_logging_resolution_limit = 2) writes it. */
class FormatTvTest {

    @Test
    void twoSignificantDigitsAtMostTwoDecimalsLargeValuesWhole() {
        assertThat(FormatTv.delay(Duration.ZERO)).isEqualTo("0");
        assertThat(FormatTv.delay(Duration.ofMillis(1))).isEqualTo("0");
        assertThat(FormatTv.delay(Duration.ofMillis(4))).isEqualTo("0");
        assertThat(FormatTv.delay(Duration.ofMillis(5))).isEqualTo("0.01");
        assertThat(FormatTv.delay(Duration.ofMillis(34))).isEqualTo("0.03");
        assertThat(FormatTv.delay(Duration.ofMillis(136))).isEqualTo("0.14");
        assertThat(FormatTv.delay(Duration.ofMillis(1234))).isEqualTo("1.2");
        assertThat(FormatTv.delay(Duration.ofMillis(1960))).isEqualTo("2");
        assertThat(FormatTv.delay(Duration.ofMillis(12_345))).isEqualTo("12");
        assertThat(FormatTv.delay(Duration.ofMillis(123_456))).isEqualTo("123");
        assertThat(FormatTv.delay(Duration.ofSeconds(86_400 * 5))).isEqualTo("432000");
    }
}
