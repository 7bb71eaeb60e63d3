import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Checks a Central Portal bundle (the zip the release profile writes, docs/releasing.md) before anyone uploads it:
 * the artifacts order-lock-bom manages, the BOM and their parents, each with a POM carrying what Central requires
 * (name, description, url, licenses, developers, scm; inherited through parents in the bundle, as Maven does),
 * a jar, sources and javadoc jars unless it is a POM, .md5/.sha1 checksums that match, and signatures either
 * everywhere or nowhere. Nothing else may be in the bundle (the demo app and the benchmarks are never published).
 * <p>
 * Run by .ci/check-release-bundle, on the JDK alone (java's source-file mode): no unzip, md5sum or XML tools needed.
 * Exit 0 when the bundle is complete, 1 with one line per problem, 2 on wrong usage.
 */
public class CheckReleaseBundle {

    private static final String GROUP = "dev.orderlock";
    private static final String BOM = "order-lock-bom";
    private static final List<String> CHECKSUMS = List.of(".md5", ".sha1", ".sha256", ".sha512");

    private final Map<String, byte[]> files = new TreeMap<>();
    private final Map<String, Pom> poms = new TreeMap<>();   // by artifactId (one groupId)
    private final List<String> problems = new ArrayList<>();
    private final boolean release;

    private CheckReleaseBundle(boolean release) {
        this.release = release;
    }

    public static void main(String[] args) throws Exception {
        boolean release = false;
        Path bundle = null;
        for (String arg : args) {
            if (arg.equals("--release")) {
                release = true;
            }
            else if (arg.startsWith("-") || bundle != null) {
                System.err.println("usage: check-release-bundle [--release] target/order-lock-<version>-bundle.zip\n"
                        + "  --release: also require a non-SNAPSHOT version and a signature on every file");
                System.exit(2);
            }
            else {
                bundle = Path.of(arg);
            }
        }
        if (bundle == null || !Files.isRegularFile(bundle)) {
            System.err.println("FAILED: no bundle " + (bundle == null ? "given" : "at " + bundle)
                    + " (./mvnw -B -Prelease ... verify writes target/order-lock-<version>-bundle.zip)");
            System.exit(bundle == null ? 2 : 1);
        }
        CheckReleaseBundle check = new CheckReleaseBundle(release);
        check.run(bundle);
        if (check.problems.isEmpty()) {
            System.out.println("OK: " + bundle + " has every published artifact, complete");
            return;
        }
        check.problems.forEach((problem) -> System.out.println("MISSING/WRONG: " + problem));
        System.out.println("FAILED: " + check.problems.size() + " problem(s) in " + bundle
                + "; Central would refuse this bundle");
        System.exit(1);
    }

    private void run(Path bundle) throws Exception {
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(bundle))) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                if (!entry.isDirectory()) {
                    this.files.put(entry.getName(), zip.readAllBytes());
                }
            }
        }
        if (this.files.isEmpty()) {
            problem(bundle + " is empty or no zip");
            return;
        }
        String groupPath = GROUP.replace('.', '/') + "/";
        for (String name : this.files.keySet()) {
            if (!name.startsWith(groupPath) || name.substring(groupPath.length()).split("/").length != 3) {
                problem(name + ": not in the repository layout " + groupPath + "<artifactId>/<version>/<file>");
            }
            else if (name.endsWith(".pom")) {
                readPom(name);
            }
        }
        Set<String> expected = expectedArtifacts();
        for (String artifactId : this.poms.keySet()) {
            if (!expected.contains(artifactId)) {
                problem(GROUP + ":" + artifactId + " is in the bundle but is neither managed by " + BOM
                        + " nor a parent of a published artifact: it must not be published");
            }
        }
        for (String artifactId : expected) {
            Pom pom = this.poms.get(artifactId);
            if (pom == null) {
                problem(GROUP + ":" + artifactId + ": no " + artifactId + "-<version>.pom in the bundle");
            }
            else {
                checkArtifact(pom);
            }
        }
        checkChecksumsAndSignatures();
    }

    private void readPom(String name) throws Exception {
        String[] parts = name.split("/");
        String artifactId = parts[parts.length - 3];
        String version = parts[parts.length - 2];
        String dir = name.substring(0, name.lastIndexOf('/') + 1);
        if (!parts[parts.length - 1].equals(artifactId + "-" + version + ".pom")) {
            problem(name + ": a POM in " + dir + " must be named " + artifactId + "-" + version + ".pom");
            return;
        }
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Element project;
        try {
            project = factory.newDocumentBuilder().parse(new ByteArrayInputStream(this.files.get(name)))
                    .getDocumentElement();
        }
        catch (Exception ex) {
            problem(name + ": not a readable POM (" + ex.getMessage() + ")");
            return;
        }
        Pom pom = new Pom(artifactId, version, dir, project);
        String groupId = pom.text("groupId") != null ? pom.text("groupId") : pom.text("parent/groupId");
        String ownVersion = pom.text("version") != null ? pom.text("version") : pom.text("parent/version");
        if (!GROUP.equals(groupId) || !artifactId.equals(pom.text("artifactId")) || !version.equals(ownVersion)) {
            problem(name + ": the POM says " + groupId + ":" + pom.text("artifactId") + ":" + ownVersion
                    + ", its place in the bundle " + GROUP + ":" + artifactId + ":" + version);
        }
        if (this.poms.put(artifactId, pom) != null) {
            problem(GROUP + ":" + artifactId + " is in the bundle in more than one version");
        }
    }

    /** The BOM, what it manages in our group, and the parents of all of them that are ours. */
    private Set<String> expectedArtifacts() {
        Set<String> expected = new LinkedHashSet<>();
        expected.add(BOM);
        Pom bom = this.poms.get(BOM);
        if (bom != null) {
            for (Element dependency : bom.elements("dependencyManagement/dependencies/dependency")) {
                if (!GROUP.equals(text(dependency, "groupId"))) {
                    continue;
                }
                String artifactId = text(dependency, "artifactId");
                String version = String.valueOf(text(dependency, "version")).replace("${project.version}", bom.version);
                if (!bom.version.equals(version)) {
                    problem(BOM + " " + bom.version + " manages " + artifactId + " at " + version
                            + ": the BOM and the modules must have one version (versions:set -DprocessAllModules)");
                }
                expected.add(artifactId);
            }
        }
        for (String artifactId : new ArrayList<>(expected)) {
            for (Pom pom = pom(artifactId); pom != null && pom.parentId() != null; pom = pom(pom.parentId())) {
                expected.add(pom.parentId());
            }
        }
        return expected;
    }

    private void checkArtifact(Pom pom) {
        String id = GROUP + ":" + pom.artifactId + ":" + pom.version;
        int before = this.problems.size();
        if (pom.version.endsWith("-SNAPSHOT")) {
            if (release) {
                problem(id + ": a SNAPSHOT version; Central's bundles take releases only");
            }
            else if (pom.artifactId.equals(BOM)) {
                System.out.println("note: a SNAPSHOT bundle, a rehearsal: Central takes releases only (--release checks)");
            }
        }
        if (pom.parentId() != null && !this.poms.containsKey(pom.parentId())) {
            problem(id + ": its parent " + pom.parentId() + " is not in the bundle");
        }
        if (blank(pom.text("name"))) {
            problem(id + ": no <name> in its POM (Maven does not inherit it)");
        }
        for (String required : List.of("description", "url", "licenses/license/name", "licenses/license/url",
                "developers/developer/name", "scm/url", "scm/connection", "scm/developerConnection")) {
            inherited(pom, required, id);
        }
        String packaging = pom.text("packaging") == null ? "jar" : pom.text("packaging");
        List<String> present = new ArrayList<>(List.of("pom"));
        if (!packaging.equals("pom")) {
            String base = pom.dir + pom.artifactId + "-" + pom.version;
            checkJar(id, base + ".jar", "a .class file", ".class", true);
            checkJar(id, base + "-sources.jar", "a .java file", ".java", false);
            checkJar(id, base + "-javadoc.jar", "index.html", "index.html", false);
            present.addAll(List.of("jar", "sources", "javadoc"));
        }
        System.out.println((this.problems.size() == before ? "ok      " : "FAILED  ") + id + " (" + packaging
                + "): metadata, " + String.join(", ", present) + (before == this.problems.size() ? "" : " expected"));
    }

    /** Central reads the effective POM: what a POM lacks, its parent in the bundle may give. */
    private void inherited(Pom pom, String path, String id) {
        List<String> appended = new ArrayList<>();
        for (Pom from = pom; from != null; from = pom(from.parentId())) {
            String value = from.text(path);
            if (!blank(value)) {
                if (value.contains("${")) {
                    problem(id + ": <" + path + "> is '" + value + "', with a property Central cannot resolve");
                }
                if (!appended.isEmpty() && (path.equals("url") || path.startsWith("scm/"))) {
                    problem(id + ": <" + path + "> inherited from " + from.artifactId + " becomes '" + value + "/"
                            + String.join("/", appended) + "' (Maven appends the artifactId; set the parent's"
                            + " child.*.inherit.append.path=\"false\")");
                }
                return;
            }
            // Maven appends the child's artifactId to an inherited url and scm unless the parent says not to.
            Pom parent = pom(from.parentId());
            if (parent != null && !parent.noAppend(path)) {
                appended.add(0, from.artifactId);
            }
        }
        problem(id + ": no <" + path + "> in its POM or a parent's in the bundle");
    }

    private void checkJar(String id, String name, String what, String suffix, boolean main) {
        byte[] jar = this.files.get(name);
        if (jar == null) {
            problem(id + ": no " + name.substring(name.lastIndexOf('/') + 1));
            return;
        }
        boolean found = false;
        Set<String> entries = new LinkedHashSet<>();
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            for (ZipEntry entry; (entry = in.getNextJarEntry()) != null; ) {
                found |= entry.getName().endsWith(suffix);
                entries.add(entry.getName());
            }
            // Boot reads the conditions of an auto-configuration from it without loading the class.
            if (main && entries.contains("META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports")
                    && !entries.contains("META-INF/spring-autoconfigure-metadata.properties")) {
                problem(id + ": " + name + " registers auto-configurations but has no"
                        + " META-INF/spring-autoconfigure-metadata.properties (spring-boot-autoconfigure-processor)");
            }
            if (main) {
                Manifest manifest = in.getManifest();
                String module = manifest == null ? null : manifest.getMainAttributes().getValue("Automatic-Module-Name");
                if (module == null || !module.matches("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*")) {
                    problem(id + ": " + name + " has no valid Automatic-Module-Name in its manifest (" + module + ")");
                }
            }
        }
        catch (IOException ex) {
            problem(id + ": " + name + " is no readable jar (" + ex.getMessage() + ")");
            return;
        }
        if (!found) {
            problem(id + ": " + name + " holds no " + what);
        }
    }

    private void checkChecksumsAndSignatures() throws Exception {
        List<String> signed = new ArrayList<>();
        List<String> unsigned = new ArrayList<>();
        for (Map.Entry<String, byte[]> file : this.files.entrySet()) {
            String name = file.getKey();
            if (name.endsWith(".asc") || CHECKSUMS.stream().anyMatch(name::endsWith)) {
                continue;
            }
            checksum(name, file.getValue(), ".md5", "MD5");
            checksum(name, file.getValue(), ".sha1", "SHA-1");
            byte[] signature = this.files.get(name + ".asc");
            if (signature == null) {
                unsigned.add(name);
            }
            else if (!new String(signature).startsWith("-----BEGIN PGP SIGNATURE-----")) {
                problem(name + ".asc is no ASCII-armoured PGP signature");
            }
            else {
                signed.add(name);
            }
        }
        if (release || !signed.isEmpty()) {
            unsigned.forEach((name) -> problem(name + ": no " + name.substring(name.lastIndexOf('/') + 1)
                    + ".asc signature" + (release ? "" : " while other files are signed")));
        }
        else {
            System.out.println("note: nothing is signed (no -Dgpg.keyname): Central refuses an unsigned bundle,"
                    + " --release requires the signatures");
        }
    }

    private void checksum(String name, byte[] content, String extension, String algorithm) throws Exception {
        byte[] file = this.files.get(name + extension);
        if (file == null) {
            problem(name + ": no " + extension + " checksum");
            return;
        }
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(content));
        String[] given = new String(file).trim().split("\\s+");
        if (given.length == 0 || !given[0].equalsIgnoreCase(expected)) {
            problem(name + extension + " does not match the file (" + algorithm + " is " + expected + ")");
        }
    }

    private Pom pom(String artifactId) {
        return artifactId == null ? null : this.poms.get(artifactId);
    }

    private void problem(String problem) {
        this.problems.add(problem);
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    private static String text(Element element, String path) {
        List<Element> found = elements(element, path);
        return found.isEmpty() ? null : found.get(0).getTextContent().trim();
    }

    /** The elements at path below element, through direct children only (a profile's <name> is not the name). */
    private static List<Element> elements(Element element, String path) {
        List<Element> current = List.of(element);
        for (String step : path.split("/")) {
            List<Element> next = new ArrayList<>();
            for (Element parent : current) {
                for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
                    if (child instanceof Element e && step.equals(e.getTagName())) {
                        next.add(e);
                    }
                }
            }
            current = next;
        }
        return current;
    }

    private record Pom(String artifactId, String version, String dir, Element project) {

        String text(String path) {
            return CheckReleaseBundle.text(this.project, path);
        }

        List<Element> elements(String path) {
            return CheckReleaseBundle.elements(this.project, path);
        }

        String parentId() {
            return GROUP.equals(text("parent/groupId")) ? text("parent/artifactId") : null;
        }

        /** Whether this POM, as a parent, tells Maven not to append the child's artifactId to path. */
        boolean noAppend(String path) {
            if (path.equals("url")) {
                return "false".equals(this.project.getAttribute("child.project.url.inherit.append.path"));
            }
            List<Element> scm = elements("scm");
            return !scm.isEmpty() && "false".equals(scm.get(0).getAttribute(
                    "child.scm." + path.substring("scm/".length()) + ".inherit.append.path"));
        }
    }
}
