import java.util.zip.ZipFile

// Both classes passed on one Spring context (loaded once, then taken from the cache) and one harness.
def log = new File(basedir, 'build.log').text
assert log =~ /Tests run: 1, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: .* in example\.WelcomeMailTest/
assert log =~ /Tests run: 1, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: .* in example\.PasswordResetMailTest/
def contexts = (log =~ /Started \w+Test in /).size()
assert contexts == 1 : "expected one Spring context for both classes, found ${contexts}"

// With the README's exclusions, Jakarta Mail is Boot's org.eclipse.angus:jakarta.mail alone: no class
// of the test class path is in two jars.
def jars = new File(basedir, 'target/test-classpath.txt').text.trim().split(File.pathSeparator).collect { new File(it) }
def names = jars*.name
assert names.any { it.startsWith('jakarta.mail-2.') } : "Boot's org.eclipse.angus:jakarta.mail is missing: ${names}"
assert !names.any { it.startsWith('jakarta.mail-api-') || it.startsWith('angus-mail-') } : "excluded jars resolved: ${names}"
def firstJar = [:]
def duplicates = [:].withDefault { [] as Set }
jars.findAll { it.name.endsWith('.jar') }.each { jar ->
    new ZipFile(jar).withCloseable { zip ->
        zip.entries().each { e ->
            def n = e.name
            // module-info and multi-release variants are one class per jar by design
            if (n.endsWith('.class') && !n.endsWith('module-info.class') && !n.startsWith('META-INF/')) {
                def seen = firstJar.putIfAbsent(n, jar.name)
                if (seen != null && seen != jar.name) {
                    duplicates[n] << seen << jar.name
                }
            }
        }
    }
}
assert duplicates.isEmpty() : "${duplicates.size()} classes on the test class path twice, e.g. ${duplicates.take(5)}"
println "test class path: ${jars.size()} entries, ${firstJar.size()} classes, none twice"
return true
