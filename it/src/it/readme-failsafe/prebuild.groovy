// The README's first JUnit example runs here too, in a project that has nothing but the README's
// dependencies: copied from junit-extension (its one source, which the README quotes), package renamed.
def checkout = new File(basedir, '../../../..').canonicalFile
def example = new File(checkout, 'junit-extension/src/test/java/dev/mailrelay/junit/examples/JakartaMailExampleTest.java')
assert example.isFile() : "cannot find ${example}"
def target = new File(basedir, 'src/test/java/example/JakartaMailExampleTest.java')
target.text = example.text.replaceFirst(/(?m)^package dev\.mailrelay\.junit\.examples;/, 'package example;')
return true
