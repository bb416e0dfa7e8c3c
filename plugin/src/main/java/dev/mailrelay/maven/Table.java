package dev.mailrelay.maven;

import java.util.ArrayList;
import java.util.List;

/**
 * A table file of an instance, as {@code @SaslInstance.Table} gives it: a file name in the instance
 * directory and its lines (created readable by its owner only).
 *
 * <pre>{@code
 * <tables>
 *   <table>
 *     <name>sasl_passwd</name>
 *     <lines><line>[mail.isp.example]:submission relay-user:s3cret</line></lines>
 *   </table>
 * </tables>
 * }</pre>
 */
public class Table {

    private String name;
    private List<String> lines = new ArrayList<>();

    /** @return the file name, relative to the instance directory */
    public String getName() {
        return name;
    }

    /** @param name the file name, relative to the instance directory */
    public void setName(String name) {
        this.name = name;
    }

    /** @return the file's lines */
    public List<String> getLines() {
        return lines;
    }

    /** @param lines the file's lines */
    public void setLines(List<String> lines) {
        this.lines = lines;
    }

    @Override
    public String toString() {
        // The lines may hold passwords (sasl_passwd).
        return "Table[" + name + "]";
    }
}
