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

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public File getConfigDirectory() {
        return configDirectory;
    }

    /** An instance directory in the standalone layout ({@code main.cf}, {@code master.cf}, tables, {@code sasl/}). */
    public void setConfigDirectory(File configDirectory) {
        this.configDirectory = configDirectory;
    }

    public List<String> getHostnames() {
        return hostnames;
    }

    /** Extra virtual-network names ({@code mailrelay_hostnames}). */
    public void setHostnames(List<String> hostnames) {
        this.hostnames = hostnames;
    }

    public List<String> getMechanisms() {
        return mechanisms;
    }

    /**
     * The SASL mechanisms offered, written as {@code mech_list} of {@code sasl/<smtpd_sasl_path>.conf};
     * an unknown name fails the build.
     */
    public void setMechanisms(List<String> mechanisms) {
        this.mechanisms = mechanisms;
    }

    public List<User> getUsers() {
        return users;
    }

    /**
     * SASL logins and passwords: a generated {@code texthash:sasl_users} table (0600), or added to the
     * table file {@code mailrelay_sasl_users} names; {@code smtpd_sasl_auth_enable = yes} unless set.
     */
    public void setUsers(List<User> users) {
        this.users = users;
    }

    public Map<String, String> getTls() {
        return tls;
    }

    /** TLS parameters ({@code smtpd_tls_*}, {@code smtp_tls_*}, {@code tls_*}). */
    public void setTls(Map<String, String> tls) {
        this.tls = tls;
    }

    public Map<String, String> getParameters() {
        return parameters;
    }

    /** Single Postfix parameters, element name = parameter name. */
    public void setParameters(Map<String, String> parameters) {
        this.parameters = parameters;
    }

    public String getMainCf() {
        return mainCf;
    }

    /** {@code main.cf} lines. */
    public void setMainCf(String mainCf) {
        this.mainCf = mainCf;
    }

    public String getMasterCf() {
        return masterCf;
    }

    /** The whole {@code master.cf} text. */
    public void setMasterCf(String masterCf) {
        this.masterCf = masterCf;
    }

    public List<String> getServices() {
        return services;
    }

    /** {@code master.cf} service lines (one each; {@code -o} overrides on the same line). */
    public void setServices(List<String> services) {
        this.services = services;
    }

    @Override
    public String toString() {
        return "InstanceSpec[" + name + "]";
    }
}
