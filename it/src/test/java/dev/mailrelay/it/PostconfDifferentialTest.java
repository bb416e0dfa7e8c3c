package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.config.Parameters;
import dev.mailrelay.config.Postconf;
import dev.mailrelay.master.InstanceConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * mailrelay reads a main.cf as Postfix 3.7 does: for realistic configurations (Debian 12's stock
 * main.cf as its postinst writes it, SASL_README's server and client settings, SOHO_README's relay,
 * and one that uses the macro language freely), every parameter mailrelay implements has the value
 * Postfix's own {@code postconf -c DIR -x} prints, unexpanded ({@code postconf -n}) and expanded
 * ({@code -x}). The differences that are deliberate are listed with their reasons in
 * {@code postconf-differences.txt} (and in the README); any other fails the test.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PostconfDifferentialTest {

    /** Debian 12's main.cf after a fresh "Internet Site" install (main.cf.debian, main.cf.tls, postinst). */
    static final String DEBIAN_STOCK = """
            # See /usr/share/postfix/main.cf.dist for a commented, more complete version

            # Debian specific:  Specifying a file name will cause the first
            # line of that file to be used as the name.  The Debian default
            # is /etc/mailname.
            #myorigin = /etc/mailname

            smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)
            biff = no

            # appending .domain is the MUA's job.
            append_dot_mydomain = no

            # Uncomment the next line to generate "delayed mail" warnings
            #delay_warning_time = 4h

            readme_directory = no

            # See http://www.postfix.org/COMPATIBILITY_README.html -- default to 3.6 on
            # fresh installs.
            compatibility_level = 3.6

            # TLS parameters
            smtpd_tls_cert_file=/etc/ssl/certs/ssl-cert-snakeoil.pem
            smtpd_tls_key_file=/etc/ssl/private/ssl-cert-snakeoil.key
            smtpd_tls_security_level=may

            smtp_tls_CApath=/etc/ssl/certs
            smtp_tls_security_level=may
            smtp_tls_session_cache_database = btree:${data_directory}/smtp_scache

            smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination
            myhostname = mail.example.com
            alias_maps = hash:/etc/aliases
            alias_database = hash:/etc/aliases
            myorigin = /etc/mailname
            mydestination = $myhostname, example.com, localhost.example.com, localhost
            relayhost =
            mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128
            mailbox_size_limit = 0
            recipient_delimiter = +
            inet_interfaces = all
            inet_protocols = all
            """;

    /** SASL_README's server settings on a main.cf without compatibility_level (level 0). */
    static final String SASL_SERVER = """
            myhostname = mail.example.com
            mydomain = example.com
            smtpd_sasl_auth_enable = yes
            smtpd_sasl_type = cyrus
            smtpd_sasl_path = smtpd
            smtpd_sasl_security_options = noanonymous, noplaintext
            smtpd_sasl_tls_security_options = noanonymous
            smtpd_sasl_local_domain = $myhostname
            smtpd_sasl_authenticated_header = yes
            broken_sasl_auth_clients = yes
            smtpd_tls_auth_only = yes
            smtpd_tls_security_level = may
            smtpd_recipient_restrictions =
                permit_mynetworks
                permit_sasl_authenticated
                reject_unauth_destination
            smtpd_sender_login_maps = hash:${config_directory}/controlled_envelope_senders
            mailrelay_sasl_users = texthash:${config_directory}/sasl_users
            """;

    /** SASL_README's client settings and SOHO_README's per-sender relay. */
    static final String SOHO_RELAY = """
            compatibility_level = 3.6
            myhostname = relay.box.example
            mydomain = box.example
            myorigin = $mydomain
            relayhost = [mail.isp.example]:submission
            smtp_sasl_auth_enable = yes
            smtp_sasl_password_maps = hash:${config_directory}/sasl_passwd
            smtp_sasl_security_options = noanonymous
            smtp_sasl_tls_security_options = noanonymous
            smtp_sender_dependent_authentication = yes
            sender_dependent_relayhost_maps = hash:${config_directory}/sender_relay
            smtp_tls_security_level = encrypt
            smtp_generic_maps = hash:${config_directory}/generic
            mynetworks_style = subnet
            """;

    /** Postfix's macro language used freely: relational operators, levels, conditionals, nesting. */
    static final String EXPANSIONS = """
            compatibility_level = 2
            myhostname = mx.lists.example
            use_lists = yes
            big = 52428800
            message_size_limit = ${{$use_lists} == {yes}?{$big}:{10240000}}
            smtputf8_enable = ${{$compatibility_level} <level {3.6} ? {no} : {yes}}
            smtpd_banner = ${myhostname} ESMTP ${{$mail_version} >=level {3.7}?{modern}:{old}} $$literal
            mydestination = $myhostname, ${mydomain?{$mydomain}}, ${undefined_thing:{fallback.example}}
            relay_domains = ${{$use_lists} != {yes} ? {} : {lists.example}}
            smtpd_timeout = ${{10} < {9}?{10s}:{${stress?{10}:{300}}s}}
            recipient_delimiter = ${use_lists?+}
            smtpd_helo_required = ${{abc} < {abd} ? {yes} : {no}}
            smtpd_client_restrictions = $mua_client_restrictions
            mua_client_restrictions = permit_mynetworks, reject
            """;

    @ParameterizedTest
    @ValueSource(strings = {"DEBIAN_STOCK", "SASL_SERVER", "SOHO_RELAY", "EXPANSIONS"})
    void everyImplementedParameterHasPostfixsValue(String name, @TempDir Path dir) throws Exception {
        String postconf = Tools.require("/usr/sbin/postconf", "postfix");
        String mainCf = (String) getClass().getDeclaredField(name).get(null);
        Path conf = dir.resolve(name.toLowerCase()).toAbsolutePath();
        Files.createDirectories(conf);
        Files.writeString(conf.resolve("main.cf"), mainCf);
        Files.writeString(conf.resolve("master.cf"), MASTER_CF);

        Parameters mine = InstanceConfig.fromDirectory(name, conf).parameters();
        List<String> names = new ArrayList<>(new TreeSet<>(Parameters.implementedNames()));
        names.removeIf(n -> n.startsWith("mailrelay_"));
        names.addAll(Parameters.DIRECTORIES);
        Map<String, String> allowed = allowedDifferences();

        Map<String, String> postfixRaw = run(postconf, conf, names, "-c", conf.toString());
        Map<String, String> postfixExpanded = run(postconf, conf, names, "-x", "-c", conf.toString());
        assertThat(postfixExpanded.keySet()).as("postconf knows every name compared").containsAll(names);

        Map<String, String> differences = new TreeMap<>();
        for (String n : names) {
            if (mine.isSet(n) && !words(mine.raw(n)).equals(postfixRaw.get(n))) {
                differences.put(n, "as written: mailrelay <" + mine.raw(n) + "> postconf <" + postfixRaw.get(n) + ">");
            }
            if (!words(mine.get(n)).equals(postfixExpanded.get(n)) && !allowed.containsKey(n)) {
                differences.put(n, "expanded: mailrelay <" + mine.get(n) + "> postconf <" + postfixExpanded.get(n)
                        + ">");
            }
        }
        assertThat(differences).as("differences from Postfix's postconf not listed in postconf-differences.txt")
                .isEmpty();
    }

    /**
     * {@code postconf} and {@code postconf -d} list the names Postfix's postconf lists for the same
     * directory (built-in, per-service for master.cf's delivery agents, legacy and user-defined ones
     * that are set and used), and warn about the same parameters; each difference is a
     * {@code +pattern} (printed only by mailrelay) or {@code -pattern} (only by Postfix) line of
     * postconf-differences.txt.
     */
    @ParameterizedTest
    @ValueSource(strings = {"DEBIAN_STOCK", "SASL_SERVER", "SOHO_RELAY", "EXPANSIONS"})
    void postconfListsPostfixsNamesAndWarnings(String name, @TempDir Path dir) throws Exception {
        String postconf = Tools.require("/usr/sbin/postconf", "postfix");
        String mainCf = (String) getClass().getDeclaredField(name).get(null);
        Path conf = dir.resolve(name.toLowerCase()).toAbsolutePath();
        Files.createDirectories(conf);
        Files.writeString(conf.resolve("main.cf"), mainCf);
        Files.writeString(conf.resolve("master.cf"), MASTER_CF);
        InstanceConfig config = InstanceConfig.fromDirectory(name, conf);
        Map<String, String> allowed = allowedDifferences();

        for (List<String> flags : List.of(List.<String>of(), List.of("-d"), List.of("-n"))) {
            List<String> command = new ArrayList<>(List.of(postconf, "-c", conf.toString()));
            command.addAll(flags);
            Output postfix = postconf(command, conf);
            List<String> out = new ArrayList<>();
            List<String> err = new ArrayList<>();
            assertThat(Postconf.print(config.parameters(), config.services(), Postconf.Options.parse(flags), out::add,
                    err::add)).isZero();

            Set<String> postfixNames = names(postfix.out());
            Set<String> myNames = names(out);
            Map<String, String> differences = new TreeMap<>();
            for (String n : myNames) {
                if (!postfixNames.contains(n) && reason(allowed, "+", n) == null) {
                    differences.put(n, "printed by mailrelay only");
                }
            }
            for (String n : postfixNames) {
                if (!myNames.contains(n) && reason(allowed, "-", n) == null) {
                    differences.put(n, "printed by Postfix only");
                }
            }
            // postconf's warnings name the parameter after "unused parameter: " or "read-only ...: ".
            Set<String> postfixWarnings = warnings(postfix.err(), allowed);
            Set<String> myWarnings = warnings(err, allowed);
            assertThat(myWarnings).as("postconf %s warnings", flags).isEqualTo(postfixWarnings);
            assertThat(differences).as("postconf %s names not listed in postconf-differences.txt", flags).isEmpty();
        }
    }

    /** A master.cf with delivery agents: postconf derives per-service parameters from them. */
    static final String MASTER_CF = """
            smtp      inet  n       -       y       -       -       smtpd
            submission inet n       -       y       -       -       smtpd
              -o smtpd_client_restrictions=$mua_client_restrictions
            relay     unix  -       -       y       -       -       smtp
            retry     unix  -       -       y       -       -       error
            uucp      unix  -       n       n       -       -       pipe
              flags=Fqhu user=uucp argv=uux -r -n -z -a$sender - $nexthop!rmail ($recipient)
            """;

    private static Set<String> names(List<String> lines) {
        Set<String> out = new TreeSet<>();
        for (String line : lines) {
            int eq = line.indexOf(" =");
            if (eq > 0) {
                out.add(line.substring(0, eq));
            }
        }
        return out;
    }

    /** Warning lines without the program's path, except those about a name listed as printed by mailrelay only. */
    private static Set<String> warnings(List<String> err, Map<String, String> allowed) {
        Set<String> out = new TreeSet<>();
        for (String line : err) {
            String w = line.substring(line.indexOf("postconf: "));
            int eq = w.indexOf('=');
            int colon = w.lastIndexOf(": ", eq < 0 ? w.length() : eq);
            String parameter = eq < 0 ? "" : w.substring(colon + 2, eq);
            if (reason(allowed, "+", parameter) == null) {
                out.add(w);
            }
        }
        return out;
    }

    /** The reason listed for {@code sign + name} ({@code +mailrelay_*} matches by prefix), or null. */
    private static String reason(Map<String, String> allowed, String sign, String name) {
        for (Map.Entry<String, String> e : allowed.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(sign) && (key.endsWith("*") ? name.startsWith(key.substring(1, key.length() - 1))
                    : name.equals(key.substring(1)))) {
                return e.getValue();
            }
        }
        return null;
    }

    /** postconf prints the words of a value separated by one space (pcf_print_line()). */
    private static String words(String value) {
        return String.join(" ", value.strip().split("[ \t\r\n]+"));
    }

    /** {@code postconf flags... name...}: name = value lines (values are single lines without -f). */
    private static Map<String, String> run(String postconf, Path dir, List<String> names, String... flags)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(postconf);
        command.addAll(List.of(flags));
        command.addAll(names);
        return run(command, dir);
    }

    private static Map<String, String> run(List<String> command, Path dir) throws Exception {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : postconf(command, dir).out()) {
            int eq = line.indexOf(" =");
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 2).strip());
            }
        }
        return values;
    }

    /** What a postconf run printed, as lines. */
    record Output(List<String> out, List<String> err) {
    }

    private static Output postconf(List<String> command, Path dir) throws Exception {
        Path err = Files.createTempFile(dir.getParent(), "postconf", ".err");
        Process p = new ProcessBuilder(command).directory(dir.toFile())
                .redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command)).isZero();
        return new Output(out.lines().toList(), Files.readAllLines(err));
    }

    /** postconf-differences.txt: {@code name: reason} lines. */
    static Map<String, String> allowedDifferences() throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (InputStream in = PostconfDifferentialTest.class.getResourceAsStream("/postconf-differences.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    int colon = line.indexOf(':');
                    out.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
                }
            }
        }
        return out;
    }
}
