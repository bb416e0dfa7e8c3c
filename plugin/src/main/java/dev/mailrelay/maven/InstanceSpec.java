package dev.mailrelay.maven;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One instance as the plugin's {@code <instances>} configuration describes it — the same power and
 * the same names as the JUnit extension's {@code @SaslInstance} and builder: Postfix parameters,
 * {@code main.cf} text, {@code master.cf} services, table files, and the shortcuts for what Postfix
 * leaves to other programs (SASL users and mechanisms, extra host names).
 *
 * <!-- snippet: it/src/it/readme-failsafe/pom.xml#instance -->
 * <pre>{@code
 * <instance>
 *   <!-- A fake ISP: SASL_README's server, AUTH only after STARTTLS; keeps what it accepts. -->
 *   <name>isp</name>
 *   <myhostname>mail.isp.example</myhostname>
 *   <mechanisms><mechanism>PLAIN</mechanism><mechanism>LOGIN</mechanism></mechanisms>
 *   <users>
 *     <user><login>alice</login><password>secret</password></user>
 *   </users>
 *   <tls>may</tls>
 *   <mainCf>
 *     smtpd_sasl_auth_enable = yes
 *     smtpd_tls_auth_only = yes
 *     smtpd_recipient_restrictions =
 *         permit_sasl_authenticated
 *         reject_unauth_destination
 *     default_transport = discard
 *   </mainCf>
 *   <masterCf>submission inet n - n - - smtpd</masterCf>
 * </instance>
 * }</pre>
 *
 * Settings are applied in the annotation's order, later winning as later lines of {@code main.cf}
 * do: the {@code configDirectory}'s files, the shortcuts {@code myhostname}, {@code hostnames},
 * {@code tls}, {@code relayhost}, then {@code mainCf}, then {@code parameters}; {@code users},
 * {@code mechanisms} and {@code tables} are written last. The JUnit extension's annotation and builder
 * go through the same writer ({@link dev.mailrelay.master.InstanceDirectory}) and build the same instance.
 */
public class InstanceSpec {

    /** An empty instance; Maven sets its elements from the POM. */
    public InstanceSpec() {
    }

    private String name;
    private File configDirectory;
    private String myhostname;
    private List<String> hostnames = new ArrayList<>();
    private List<String> mechanisms = new ArrayList<>();
    private List<User> users = new ArrayList<>();
    private String tls;
    private String relayhost;
    private Map<String, String> parameters = new LinkedHashMap<>();
    private String mainCf;
    private String masterCf;
    private List<String> services = new ArrayList<>();
    private List<Table> tables = new ArrayList<>();
    private List<Fault> faults = new ArrayList<>();

    /**
     * The instance name.
     *
     * @return the instance name
     */
    public String getName() {
        return name;
    }

    /**
     * The instance name: its generated directory, its {@code mailrelay.<name>.*} properties.
     *
     * @param name the name
     */
    public void setName(String name) {
        this.name = name;
    }

    /**
     * The instance directory to copy, or {@code null}.
     *
     * @return the instance directory to copy, or {@code null}
     */
    public File getConfigDirectory() {
        return configDirectory;
    }

    /**
     * An instance directory in the standalone layout ({@code main.cf}, {@code master.cf}, tables, {@code sasl/}).
     *
     * @param configDirectory the directory
     */
    public void setConfigDirectory(File configDirectory) {
        this.configDirectory = configDirectory;
    }

    /**
     * {@code myhostname}, or {@code null}.
     *
     * @return {@code myhostname}, or {@code null}
     */
    public String getMyhostname() {
        return myhostname;
    }

    /**
     * {@code myhostname}, which the virtual network resolves to this instance and the
     * {@code Received:} headers name ({@code @SaslInstance(myhostname = ...)}).
     *
     * @param myhostname the host name
     */
    public void setMyhostname(String myhostname) {
        this.myhostname = myhostname;
    }

    /**
     * The extra virtual-network names.
     *
     * @return the extra virtual-network names
     */
    public List<String> getHostnames() {
        return hostnames;
    }

    /**
     * Extra virtual-network names ({@code mailrelay_hostnames}).
     *
     * @param hostnames the names
     */
    public void setHostnames(List<String> hostnames) {
        this.hostnames = hostnames;
    }

    /**
     * The SASL mechanisms offered.
     *
     * @return the SASL mechanisms offered
     */
    public List<String> getMechanisms() {
        return mechanisms;
    }

    /**
     * The SASL mechanisms offered, written as {@code mech_list} of {@code sasl/<smtpd_sasl_path>.conf};
     * an unknown name fails the build.
     *
     * @param mechanisms the mechanism names
     */
    public void setMechanisms(List<String> mechanisms) {
        this.mechanisms = mechanisms;
    }

    /**
     * The SASL users.
     *
     * @return the SASL users
     */
    public List<User> getUsers() {
        return users;
    }

    /**
     * SASL logins and passwords: a generated {@code texthash:sasl_users} table (0600), or added to the
     * table file {@code mailrelay_sasl_users} names; {@code smtpd_sasl_auth_enable = yes} unless set.
     *
     * @param users the users
     */
    public void setUsers(List<User> users) {
        this.users = users;
    }

    /**
     * {@code smtpd_tls_security_level}, or {@code null}.
     *
     * @return {@code smtpd_tls_security_level}, or {@code null}
     */
    public String getTls() {
        return tls;
    }

    /**
     * {@code smtpd_tls_security_level}: {@code may} offers STARTTLS, {@code encrypt} requires it
     * ({@code @SaslInstance(tls = ...)}). Other TLS parameters go in {@code <parameters>} or {@code <mainCf>}.
     *
     * @param tls the security level
     */
    public void setTls(String tls) {
        this.tls = tls;
    }

    /**
     * {@code relayhost}, or {@code null}.
     *
     * @return {@code relayhost}, or {@code null}
     */
    public String getRelayhost() {
        return relayhost;
    }

    /**
     * {@code relayhost}, e.g. {@code [mail.isp.example]:submission} ({@code @SaslInstance(relayhost = ...)}).
     *
     * @param relayhost the next hop
     */
    public void setRelayhost(String relayhost) {
        this.relayhost = relayhost;
    }

    /**
     * The single Postfix parameters, by parameter name.
     *
     * @return the single Postfix parameters, by parameter name
     */
    public Map<String, String> getParameters() {
        return parameters;
    }

    /**
     * Single Postfix parameters, element name = parameter name.
     *
     * @param parameters the values by parameter name
     */
    public void setParameters(Map<String, String> parameters) {
        this.parameters = parameters;
    }

    /**
     * The {@code main.cf} lines.
     *
     * @return the {@code main.cf} lines
     */
    public String getMainCf() {
        return mainCf;
    }

    /**
     * {@code main.cf} lines.
     *
     * @param mainCf the lines
     */
    public void setMainCf(String mainCf) {
        this.mainCf = mainCf;
    }

    /**
     * The {@code master.cf} text.
     *
     * @return the {@code master.cf} text
     */
    public String getMasterCf() {
        return masterCf;
    }

    /**
     * The {@code master.cf} services, as its text (one service or several, with their {@code -o} lines).
     *
     * @param masterCf the text
     */
    public void setMasterCf(String masterCf) {
        this.masterCf = masterCf;
    }

    /**
     * @return the {@code master.cf} service lines
     * @deprecated use {@link #getMasterCf()}
     */
    @Deprecated
    public List<String> getServices() {
        return services;
    }

    /**
     * {@code master.cf} service lines (one each; {@code -o} overrides on the same line).
     *
     * @param services the lines
     * @deprecated use {@code <masterCf>}, the annotation's and builder's name; {@code <services>} goes
     *     in the next release
     */
    @Deprecated
    public void setServices(List<String> services) {
        this.services = services;
    }

    /**
     * The table files to write into the instance directory.
     *
     * @return the table files to write into the instance directory
     */
    public List<Table> getTables() {
        return tables;
    }

    /**
     * Table files written to the instance directory (0600), for {@code texthash:name},
     * {@code regexp:name}, ... ({@code @SaslInstance(tables = ...)}).
     *
     * @param tables the tables
     */
    public void setTables(List<Table> tables) {
        this.tables = tables;
    }

    /**
     * The instance's injected faults.
     *
     * @return the faults installed once the instance answers
     */
    public List<Fault> getFaults() {
        return faults;
    }

    /**
     * Faults installed once the instance answers, as {@code isp.faults()} or the HTTP API installs them
     * (in JUnit a test installs them on the instance it is given).
     *
     * @param faults the faults
     */
    public void setFaults(List<Fault> faults) {
        this.faults = faults;
    }

    @Override
    public String toString() {
        return "InstanceSpec[" + name + "]";
    }
}
