// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * GnuTLS stand-ins for the fully static exporter of the VM initramfs
 * (build/static/ptcopy_exporter, userspace/exporter/static.mk); never part
 * of build/ptcopy_exporter.
 *
 * Debian's libmicrohttpd.a is built with HTTPS support, so it refers to
 * GnuTLS, whose static archive needs p11-kit and libunistring, of which
 * Debian ships no static archives. This build refuses a web config that
 * asks for TLS (ptcopy_exporter_without_tls, read by webtls.c), so it
 * never asks libmicrohttpd for TLS (no MHD_USE_TLS): of these only the
 * library's global init and deinit run, and succeed. Any other one aborts,
 * naming itself. The list is what `nm -u libmicrohttpd.a` shows for
 * libmicrohttpd 0.9.75, and what webtls.c calls; a newer one that needs
 * more fails to link, naming the symbol to add.
 */
#include <stdio.h>
#include <stdlib.h>

/* Tells webtls_available() that this build has no TLS. */
extern const int ptcopy_exporter_without_tls;
const int ptcopy_exporter_without_tls = 1;

int gnutls_global_init(void);
void gnutls_global_deinit(void);

int gnutls_global_init(void)
{
	return 0;	/* GNUTLS_E_SUCCESS */
}

void gnutls_global_deinit(void)
{
}

/* a variable in GnuTLS: its allocator */
void *(*gnutls_malloc)(size_t) = malloc;

#define TLS_STUB(name)							\
	void name(void);						\
	void name(void)							\
	{								\
		fprintf(stderr, "ptcopy_exporter: %s: built without TLS\n", #name); \
		abort();						\
	}

TLS_STUB(gnutls_alpn_set_protocols)
TLS_STUB(gnutls_bye)
TLS_STUB(gnutls_certificate_allocate_credentials)
TLS_STUB(gnutls_certificate_free_credentials)
TLS_STUB(gnutls_certificate_get_peers)
TLS_STUB(gnutls_certificate_server_set_request)
TLS_STUB(gnutls_certificate_set_dh_params)
TLS_STUB(gnutls_certificate_set_retrieve_function2)
TLS_STUB(gnutls_certificate_set_retrieve_function3)
TLS_STUB(gnutls_certificate_set_x509_key_mem)
TLS_STUB(gnutls_certificate_set_x509_key_mem2)
TLS_STUB(gnutls_certificate_set_x509_trust_mem)
TLS_STUB(gnutls_certificate_verify_peers2)
TLS_STUB(gnutls_check_version)
TLS_STUB(gnutls_cipher_get)
TLS_STUB(gnutls_cipher_suite_info)
TLS_STUB(gnutls_credentials_set)
TLS_STUB(gnutls_deinit)
TLS_STUB(gnutls_dh_params_deinit)
TLS_STUB(gnutls_dh_params_import_pkcs3)
TLS_STUB(gnutls_dh_params_init)
TLS_STUB(gnutls_handshake)
TLS_STUB(gnutls_init)
TLS_STUB(gnutls_priority_deinit)
TLS_STUB(gnutls_priority_get_cipher_suite_index)
TLS_STUB(gnutls_priority_init)
TLS_STUB(gnutls_priority_set)
TLS_STUB(gnutls_protocol_get_version)
TLS_STUB(gnutls_psk_allocate_server_credentials)
TLS_STUB(gnutls_psk_free_server_credentials)
TLS_STUB(gnutls_psk_set_server_credentials_function)
TLS_STUB(gnutls_record_check_pending)
TLS_STUB(gnutls_record_get_direction)
TLS_STUB(gnutls_record_recv)
TLS_STUB(gnutls_record_send)
TLS_STUB(gnutls_session_get_ptr)
TLS_STUB(gnutls_session_set_ptr)
TLS_STUB(gnutls_strerror)
TLS_STUB(gnutls_transport_set_int2)
