#ifndef PAYPORTAL_PUBLIC_H
#define PAYPORTAL_PUBLIC_H

struct http_request;

int	public_pay(struct http_request *);
int	public_review(struct http_request *);
int	public_invoice(struct http_request *);
int	public_confirm(struct http_request *);
int	public_payment(struct http_request *);
int	public_receipt(struct http_request *);

#endif
