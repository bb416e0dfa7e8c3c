package dev.mailrelay.config;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;

/**
 * Coverage-guided fuzzing of {@code main.cf} and {@code master.cf} parsing and of parameter
 * expansion ({@code $name}, {@code ${name?x}}, {@code ${name:x}}) and typed reads: arbitrary text
 * may only fail with {@link ConfigException}.
 */
class ConfigFuzzTest {

    /** Typed reads of implemented parameters, as the daemons do them at start. */
    private static final List<String> BOOLS = List.of("smtpd_sasl_auth_enable", "smtpd_tls_wrappermode");
    private static final List<String> NUMBERS = List.of("message_size_limit", "smtpd_recipient_limit");
    private static final List<String> TIMES = List.of("smtpd_timeout", "smtpd_error_sleep_time");

    @FuzzTest(maxDuration = "10s")
    void mainAndMasterCf(FuzzedDataProvider data) {
        String mainCf = data.consumeString(2000);
        String masterCf = data.consumeRemainingAsString();
        try {
            List<Parameter> assignments = MainCf.parse(mainCf, "main.cf");
            Parameters params = Parameters.defaults("fuzz").with(assignments);
            for (Parameter p : assignments) {
                read(() -> params.get(p.name()));
                read(() -> params.list(p.name()));
                read(() -> params.bool(p.name()));
                read(() -> params.longValue(p.name()));
                read(() -> params.time(p.name()));
            }
            BOOLS.forEach(n -> read(() -> params.bool(n)));
            NUMBERS.forEach(n -> read(() -> params.integer(n)));
            TIMES.forEach(n -> read(() -> params.time(n)));
            read(() -> params.warnings(List.of()));
            read(() -> Postconf.print(params, List.of(), Postconf.Options.parse(List.of("-x")), l -> { }, l -> { }));
            read(() -> params.notImplemented(List.of()));
            read(params::check);
            for (Service s : MasterCf.parse(masterCf, "master.cf")) {
                Parameters service = params.with(s.overrides());
                read(service::check);
                for (Parameter p : s.overrides()) {
                    read(() -> service.get(p.name()));
                }
            }
        } catch (ConfigException expected) {
            // a configuration error, named as Postfix names it
        }
    }

    private static void read(Runnable r) {
        try {
            r.run();
        } catch (ConfigException expected) {
            // bad value: the daemon refuses to start, as Postfix does
        }
    }
}
