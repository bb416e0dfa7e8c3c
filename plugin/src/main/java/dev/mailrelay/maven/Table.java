package dev.mailrelay.maven;

import java.util.ArrayList;
import java.util.List;

/**
 * A table file of an instance, as {@code @SaslInstance.Table} gives it: a file name in the instance
 * directory and its lines (created readable by its owner only).
 *
 * <!-- snippet: it/src/it/readme-failsafe/pom.xml#tables -->
 * <pre>{@code
 * <tables>
 *   <table>
 *     <name>sasl_passwd</name>
 *     <lines><line>[mail.isp.example]:submission alice:secret</line></lines>
 *   </table>
 * </tables>
 * }</pre>
 */
public class Table {

    /** Empty; Maven sets its elements from the POM. */
    public Table() {
    }

    private String name;
    private List<String> lines = new ArrayList<>();

    /**
     * The file name, relative to the instance directory.
     *
     * @return the file name, relative to the instance directory
     */
    public String getName() {
        return name;
    }

    /**
     * Sets the file name, relative to the instance directory.
     *
     * @param name the file name, relative to the instance directory
     */
    public void setName(String name) {
        this.name = name;
    }

    /**
     * The file's lines.
     *
     * @return the file's lines
     */
    public List<String> getLines() {
        return lines;
    }

    /**
     * Sets the file's lines.
     *
     * @param lines the file's lines
     */
    public void setLines(List<String> lines) {
        this.lines = lines;
    }

    @Override
    public String toString() {
        // The lines may hold passwords (sasl_passwd).
        return "Table[" + name + "]";
    }
}
