package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// blockedPrefixes are the ranges, besides what netip's predicates cover
// (loopback, private, link-local, multicast, unspecified), that are no place
// for a public web server.
var blockedPrefixes = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a \"this network\" address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("100::/64"), "a discard address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
}

// nat64 embeds an IPv4 address in its last 32 bits; so does 6to4 (2002::/16)
// in bits 16-48. Both are checked on the embedded address.
var (
	nat64 = netip.MustParsePrefix("64:ff9b::/96")
	sixTo = netip.MustParsePrefix("2002::/16")
)

// nonPublic says why a is not a public unicast address, or "" if it is.
func nonPublic(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "an invalid address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsUnspecified():
		return "an unspecified address"
	case a.IsPrivate():
		return "a private address"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a.IsMulticast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast():
		return "a multicast address"
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the broadcast address"
	}
	for _, b := range blockedPrefixes {
		if b.prefix.Contains(a) {
			return b.why
		}
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a):
			if why := nonPublic(netip.AddrFrom4([4]byte(b[12:16]))); why != "" {
				return why + " (through NAT64)"
			}
		case sixTo.Contains(a):
			if why := nonPublic(netip.AddrFrom4([4]byte(b[2:6]))); why != "" {
				return why + " (through 6to4)"
			}
		}
	}
	return ""
}

// privateError is what the dialer returns when it refuses an address.
type privateError struct {
	host string
	addr netip.Addr
	why  string
}

func (e *privateError) Error() string {
	if e.host == e.addr.String() || e.host == "" {
		return fmt.Sprintf("%s is %s", e.addr, e.why)
	}
	return fmt.Sprintf("%s resolves to %s, %s", e.host, e.addr, e.why)
}

// allowed reports whether hostport ("host:port", as in a URL with the
// scheme's default port filled in) may be on a private network.
func (c *Client) allowed(hostport string) bool {
	if c.opts.AllowPrivate {
		return true
	}
	_, ok := c.allowHosts[strings.ToLower(hostport)]
	return ok
}

// dial resolves addr's host with LookupIP and connects to the first public
// address that answers. Every address is checked after resolution, and again
// in the socket's Control hook on the address actually connected to, so that
// neither DNS rebinding nor a resolver returning a mix of addresses can lead
// to a private network.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	allow := c.allowed(addr)
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		ips, err = c.opts.LookupIP(ctx, host)
		if err != nil {
			return nil, err
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("no address found for %s", host)
		}
	}
	var refused error
	var public []netip.Addr
	for _, ip := range ips {
		if why := nonPublic(ip); why != "" && !allow {
			if refused == nil {
				refused = &privateError{host: host, addr: ip.Unmap(), why: why}
			}
			continue
		}
		public = append(public, ip)
	}
	if len(public) == 0 {
		return nil, refused
	}
	d := net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Control:   control(host, allow),
	}
	var errs []error
	for _, ip := range public {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// control is the dialer's last check, on the address the socket is about to
// connect to.
func control(host string, allow bool) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		if allow {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("unexpected address %q", address)
		}
		if why := nonPublic(ap.Addr()); why != "" {
			return &privateError{host: host, addr: ap.Addr().Unmap(), why: why}
		}
		return nil
	}
}

func defaultLookupIP(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}
