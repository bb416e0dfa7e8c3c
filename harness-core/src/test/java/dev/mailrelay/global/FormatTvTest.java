package dev.mailrelay.global;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** delay= as Postfix's format_tv(buf, sec, usec, 2, delay_logging_resolution_limit = 2) writes it. */
class FormatTvTest {

    @Test
    void twoSignificantDigitsAtMostTwoDecimalsLargeValuesWhole() {
        assertThat(FormatTv.delay(Duration.ZERO, 2)).isEqualTo("0");
        assertThat(FormatTv.delay(Duration.ofMillis(1), 2)).isEqualTo("0");
        assertThat(FormatTv.delay(Duration.ofMillis(4), 2)).isEqualTo("0");
        assertThat(FormatTv.delay(Duration.ofMillis(5), 2)).isEqualTo("0.01");
        assertThat(FormatTv.delay(Duration.ofMillis(34), 2)).isEqualTo("0.03");
        assertThat(FormatTv.delay(Duration.ofMillis(136), 2)).isEqualTo("0.14");
        assertThat(FormatTv.delay(Duration.ofMillis(1234), 2)).isEqualTo("1.2");
        assertThat(FormatTv.delay(Duration.ofMillis(1960), 2)).isEqualTo("2");
        assertThat(FormatTv.delay(Duration.ofMillis(12_345), 2)).isEqualTo("12");
        assertThat(FormatTv.delay(Duration.ofMillis(123_456), 2)).isEqualTo("123");
        assertThat(FormatTv.delay(Duration.ofSeconds(86_400 * 5), 2)).isEqualTo("432000");
    }

    @Test
    void delayLoggingResolutionLimitBoundsTheDecimals() {
        assertThat(FormatTv.delay(Duration.ofNanos(1_234_000), 6)).isEqualTo("0.0012");
        assertThat(FormatTv.delay(Duration.ofMillis(34), 0)).isEqualTo("0");
        assertThat(FormatTv.delay(Duration.ofMillis(1234), 0)).isEqualTo("1");
    }
}
