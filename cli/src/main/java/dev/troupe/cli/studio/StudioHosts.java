package dev.troupe.cli.studio;

import dev.troupe.scene.UserInputException;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The names and addresses the studio answers to, from the interface it is bound to: on 127.0.0.1 only 127.0.0.1 and
 * localhost; on a wildcard ({@code --host 0.0.0.0} or {@code ::}) every address of the machine's interfaces, its
 * host name and localhost; on one address that address (and the name it was given by). A request whose Host header
 * names anything else is refused: that stops DNS rebinding, where a foreign name resolves to this machine.
 */
final class StudioHosts {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final InetAddress bound;
    private final String given;
    private final Set<String> names = new LinkedHashSet<>();
    private final Set<InetAddress> addresses = new LinkedHashSet<>();

    private StudioHosts(InetAddress bound, String given) {
        this.bound = bound;
        this.given = given;
    }

    /** @throws UserInputException when {@code host} is neither an address nor a name that resolves */
    static StudioHosts of(String host) {
        InetAddress bound;
        try {
            bound = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new UserInputException("--host " + host + " is not an address or a known name of this machine; "
                    + "e.g. --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface)");
        }
        StudioHosts hosts = new StudioHosts(bound, host);
        if (bound.isAnyLocalAddress()) {
            hosts.addresses.addAll(interfaceAddresses());
            hosts.names.add("localhost");
            try {
                InetAddress self = InetAddress.getLocalHost();
                hosts.names.add(self.getHostName().toLowerCase(Locale.ROOT));
                hosts.names.add(self.getCanonicalHostName().toLowerCase(Locale.ROOT));
            } catch (UnknownHostException e) {
                // a machine without a resolvable name is reached by its addresses
            }
        } else {
            hosts.addresses.add(bound);
            if (bound.isLoopbackAddress()) {
                hosts.names.add("localhost");
            }
            if (literal(host) == null) {
                hosts.names.add(host.toLowerCase(Locale.ROOT));
            }
        }
        return hosts;
    }

    private static List<InetAddress> interfaceAddresses() {
        List<InetAddress> all = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nic.isUp()) {
                    all.addAll(Collections.list(nic.getInetAddresses()));
                }
            }
        } catch (SocketException e) {
            // no interface list: loopback at least
        }
        all.add(InetAddress.getLoopbackAddress());
        return all;
    }

    /** Whether a Host header value ({@code name}, {@code name:port}, {@code [v6]:port}) names this studio. */
    boolean serves(String hostHeader) {
        String host = hostOf(hostHeader).toLowerCase(Locale.ROOT);
        if (names.contains(host)) {
            return true;
        }
        InetAddress address = literal(host);
        return address != null && addresses.contains(address);
    }

    /**
     * Whether an Origin header is the studio's own page as the browser reached it: scheme http, and the host and
     * port of the request's Host header (checked by {@link #serves}); a page on another port or scheme is another
     * origin.
     */
    static boolean sameOrigin(String origin, String hostHeader) {
        try {
            URI o = new URI(origin);
            URI self = new URI("http://" + hostHeader);
            return "http".equalsIgnoreCase(o.getScheme()) && o.getHost() != null && self.getHost() != null
                    && o.getHost().equalsIgnoreCase(self.getHost()) && port(o) == port(self)
                    && (o.getRawPath() == null || o.getRawPath().isEmpty()) && o.getRawUserInfo() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static int port(URI uri) {
        return uri.getPort() < 0 ? 80 : uri.getPort();
    }

    /** The page's addresses for people to type: loopback first, then the addresses other machines can reach. */
    List<String> urls(int port) {
        List<String> urls = new ArrayList<>();
        if (!bound.isAnyLocalAddress()) {
            urls.add(url(literal(given) == null ? given : bound, port));
            return urls;
        }
        urls.add(url(InetAddress.getLoopbackAddress(), port));
        for (InetAddress a : addresses) {
            boolean family = bound instanceof Inet6Address || a instanceof Inet4Address; // 0.0.0.0: IPv4 addresses
            if (family && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                urls.add(url(a, port));
            }
        }
        return urls;
    }

    /** Whether only this machine can reach the studio. */
    boolean loopbackOnly() {
        return bound.isLoopbackAddress();
    }

    private static String url(Object host, int port) {
        String text = host instanceof InetAddress a ? a.getHostAddress().replaceFirst("%.*$", "") : (String) host;
        return "http://" + (text.contains(":") ? "[" + text + "]" : text) + ":" + port + "/";
    }

    /** The host part of a Host header: without the port, IPv6 brackets removed. */
    private static String hostOf(String hostHeader) {
        String h = hostHeader.strip();
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            return close < 0 ? h : h.substring(1, close);
        }
        return h.indexOf(':') == h.lastIndexOf(':') ? h.replaceFirst(":\\d*$", "") : h;
    }

    /** An IP literal as an address (no name lookup), or null for a name or a malformed literal. */
    private static InetAddress literal(String host) {
        try {
            if (IPV4.matcher(host).matches()) {
                byte[] octets = new byte[4];
                String[] parts = host.split("\\.");
                for (int i = 0; i < 4; i++) {
                    int v = Integer.parseInt(parts[i]);
                    if (v > 255) {
                        return null;
                    }
                    octets[i] = (byte) v;
                }
                return InetAddress.getByAddress(octets);
            }
            // a name has no colon: this is an IPv6 literal or nothing, which getByName parses without a lookup
            return host.contains(":") ? InetAddress.getByName(host) : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
