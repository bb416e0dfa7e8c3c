package dev.mailrelay.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * One instance declared in {@link EnableSaslRelay#instances()}, configured the way Postfix is: every
 * attribute becomes {@code main.cf} lines, a {@code master.cf}, a table file or
 * {@code sasl/<smtpd_sasl_path>.conf} in the instance's own temporary directory (removed when the
 * harness stops), written by the core's {@link dev.mailrelay.master.InstanceDirectory} as the builder
 * and the Maven plugin's configuration are. Files the harness writes are readable by their owner only.
 *
 * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/RelayhostExampleTest.java#relayhost -->
 * <pre>{@code
 * @EnableSaslRelay(instances = {
 *     @SaslInstance(name = "isp", myhostname = "mail.isp.example", users = "relay-user=s3cret",
 *         mechanisms = {"PLAIN", "LOGIN"}, tls = "may",
 *         mainCf = {"smtpd_relay_restrictions = permit_sasl_authenticated, reject", "default_transport = discard"},
 *         masterCf = "submission inet n - n - - smtpd"),
 *     @SaslInstance(name = "relay", myhostname = "relay.example.com", relayhost = "[mail.isp.example]:submission",
 *         mainCf = {"smtp_sasl_auth_enable = yes", "smtp_sasl_password_maps = texthash:sasl_passwd",
 *                   "smtp_sasl_security_options = noanonymous", "smtp_tls_security_level = encrypt"},
 *         tables = @SaslInstance.Table(name = "sasl_passwd",
 *             lines = "[mail.isp.example]:submission relay-user:s3cret"))
 * })
 * }</pre>
 */
@Target({})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface SaslInstance {

    /** The instance name, used to inject it ({@code @InstanceName("isp")}) and in log lines. */
    String name();

    /** {@code myhostname}; the virtual network resolves it to this instance. Empty: Postfix's default. */
    String myhostname() default "";

    /** Extra virtual-network names ({@code mailrelay_hostnames}). */
    String[] hostnames() default {};

    /**
     * SASL mechanisms offered: {@code mech_list} in {@code sasl/<smtpd_sasl_path>.conf}. Empty: all. A
     * name mailrelay does not implement fails the start, naming it and the valid ones.
     */
    String[] mechanisms() default {};

    /**
     * SASL users as {@code login=password}, or just {@code login} for a password generated per
     * harness (read it from {@link RelayInstance#password(String)}). Sets
     * {@code smtpd_sasl_auth_enable = yes} unless set, and {@code mailrelay_sasl_users} (a generated
     * {@code texthash:sasl_users} table, or the table file a {@link EnableSaslRelay#configDirectory()} instance
     * names, which they join).
     */
    String[] users() default {};

    /** {@code smtpd_tls_security_level} ({@code may}, {@code encrypt}); empty: not set. */
    String tls() default "";

    /** {@code relayhost}, e.g. {@code [mail.isp.example]:submission}; empty: not set. */
    String relayhost() default "";

    /** Free-form {@code main.cf} lines, after everything above (a later line wins, as in main.cf). */
    String[] mainCf() default {};

    /** {@code master.cf} service lines; empty: Postfix's single {@code smtp} service. */
    String[] masterCf() default {};

    /** Table files written to the instance directory, for {@code texthash:name}, {@code regexp:name}, ... */
    Table[] tables() default {};

    /**
     * A file in the instance directory, e.g. a {@code sasl_passwd} or {@code sender_relay} table.
     *
     * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/SenderRelayTableExampleTest.java#table -->
     * <pre>{@code
     * tables = @SaslInstance.Table(name = "sender_relay", lines = "user1@example.com [mail.example.com]:submission")
     * }</pre>
     */
    @Target({})
    @Retention(RetentionPolicy.RUNTIME)
    @Documented
    @interface Table {
        /** The file name, relative to the instance directory. */
        String name();

        /** The file's lines. */
        String[] lines();
    }
}
