package dev.mailrelay.maven;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One instance as the plugin's {@code <instances>} configuration describes it — the same power as the
 * builder API: Postfix parameters, {@code main.cf} text, {@code master.cf} services, and the shortcuts
 * for what Postfix leaves to other programs (SASL users and mechanisms, extra host names).
 *
 * <pre>{@code
 * <instance>
 *   <name>isp</name>
 *   <hostnames><hostname>mail.isp.example</hostname></hostnames>
 *   <mechanisms><mechanism>PLAIN</mechanism><mechanism>LOGIN</mechanism></mechanisms>
 *   <users><user><login>alice</login><password>secret</password></user></users>
 *   <mainCf>
 *     smtpd_sasl_auth_enable = yes
 *   </mainCf>
 *   <parameters><smtpd_tls_security_level>may</smtpd_tls_security_level></parameters>
 *   <services><service>submission inet n - n - - smtpd</service></services>
 * </instance>
 * }</pre>
 *
 * Settings are applied in this order, later winning as later lines of {@code main.cf} do: the
 * {@code configDirectory}'s files, {@code mainCf}, {@code parameters}, {@code tls}, {@code hostnames};
 * then {@code users} and {@code mechanisms} are written. The JUnit extension's annotation and builder
 * go through the same writer ({@link dev.mailrelay.master.InstanceDirectory}) and build the same instance.
 */
public class InstanceSpec {

    private String name;
    private File configDirectory;
    private List<String> hostnames = new ArrayList<>();
    private List<String> mechanisms = new ArrayList<>();
    private List<User> users = new ArrayList<>();
    private Map<String, String> tls = new LinkedHashMap<>();
    private Map<String, String> parameters = new LinkedHashMap<>();
    private String mainCf;
    private String masterCf;
    private List<String> services = new ArrayList<>();

    /** @return the instance's name, as tests and the properties the plugin publishes name it */
    public String getName() {
        return name;
    }

    /** @param name the instance's name, as tests and the properties the plugin publishes name it */
    public void setName(String name) {
        this.name = name;
    }

    /** @return the instance directory in the standalone layout, or {@code null} */
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

    /** @return the extra virtual-network names */
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

    /** @return the SASL mechanisms offered; empty for the configuration's own choice */
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

    /** @return the SASL logins and passwords */
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

    /** @return the TLS parameters, by parameter name */
    public Map<String, String> getTls() {
        return tls;
    }

    /**
     * TLS parameters ({@code smtpd_tls_*}, {@code smtp_tls_*}, {@code tls_*}).
     *
     * @param tls the values by parameter name
     */
    public void setTls(Map<String, String> tls) {
        this.tls = tls;
    }

    /** @return the single Postfix parameters, by parameter name */
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

    /** @return the {@code main.cf} lines, or {@code null} */
    public String getMainCf() {
        return mainCf;
    }

    /**
     * {@code main.cf} lines.
     *
     * @param mainCf the lines, as {@code main.cf} would hold them
     */
    public void setMainCf(String mainCf) {
        this.mainCf = mainCf;
    }

    /** @return the whole {@code master.cf} text, or {@code null} */
    public String getMasterCf() {
        return masterCf;
    }

    /**
     * The whole {@code master.cf} text.
     *
     * @param masterCf the text
     */
    public void setMasterCf(String masterCf) {
        this.masterCf = masterCf;
    }

    /** @return the {@code master.cf} service lines */
    public List<String> getServices() {
        return services;
    }

    /**
     * {@code master.cf} service lines (one each; {@code -o} overrides on the same line).
     *
     * @param services the lines
     */
    public void setServices(List<String> services) {
        this.services = services;
    }

    @Override
    public String toString() {
        return "InstanceSpec[" + name + "]";
    }
}
