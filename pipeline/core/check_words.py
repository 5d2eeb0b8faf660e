"""A machine's message in the reader's language: check lines, extraction warnings, task reasons.

Messages are stored in English, made from a template with named placeholders
(``pipeline.core.checks.MESSAGES``, ``"{iban} is not a valid IBAN: {problem}"``; the
templates below for what extraction, supplier memory and the release rule say). The
stored text is the template's code with its parameters filled in: to show one, the
message is matched against the templates, the parameters taken back out of it, and the
translated template filled with them. A parameter that is itself words (``{why}``,
``{problem}``) is said in the reader's language too, a field's name (``{field}``) as the
field's title. A message made some other way is looked up in the catalogue as a whole,
else shown as it is.

Nothing is translated when the message is made (a worker has no reader): only here,
where it is shown, in the language of whoever reads it.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from pipeline.core.checks import MESSAGES
from pipeline.core.i18n import N_, lookup
from pipeline.core.plain_words import field_title

# --- what extraction says beside a value (pipeline.extract): the stored English is exactly these, filled
LABEL_ALONE_NEXT = N_("{value} stands alone next to the label '{field}'")
LABEL_ALONE_UNDER = N_("{value} stands alone under the column head '{field}'")
NUMBER_REPEATED = N_("{value} is printed again elsewhere on the document: {text}")
ONLY_DATE_NEXT = N_("the only date next to the label '{field}', unambiguous")
ONLY_DATE_UNDER = N_("the only date under the column head '{field}', unambiguous")
DAY_FIRST = N_("{text} read day-first: {why}")
DAY_FIRST_DATE = N_("another date on it can only be day-first")
DAY_FIRST_LANGUAGE = N_("it is written in Dutch, French or German ({words})")
DAY_FIRST_COMMA = N_("its amounts are written with a decimal comma")
TERMS_AGREE = N_("due date {due} is {days} days after the issue date {issue}, as the printed payment terms say")
CURRENCY_MARKS = N_("all {n} currency marks printed read {code}")
DIRECT_DEBIT = N_("{value} stands next to a direct-debit mention: it may be the customer's account")
ROUNDED = N_("{before} rounded by {step} = {after}")
NET_FROM_ZERO_VAT = N_("VAT is 0.00, so the net amount is the total {total}")
SUPPLIER_SIDE = N_("{value} is the supplier's: the sides of the document are settled")
CUSTOMER_SIDE = N_("{value} is the customer's: the sides of the document are settled")
KBO_FROM_VAT = N_("enterprise number taken from VAT {vat}")
CURRENCY_DEFAULT = N_("no currency printed; EUR assumed")
COMPUTED_TOTAL = N_("sum of the VAT breakdown rows (not printed as a total)")
SEVERAL_INVOICES = N_("{n} invoices in one file; fields are those of pages {first}-{last}")
PARSE_FAILED = N_("the value could not be read: {problem}")
DATELINE = N_("dated '{text}': a letter's dateline, at {town}, a town of an address printed on it")
SALE_TIMESTAMP = N_("'{text}' printed with the time of the sale, the only date on the slip")
TITLE_DATE = N_("dated in the invoice's title, after its number: '{text}'")

# --- what the supplier's memory says (pipeline.suppliers)
MEMORY_IBAN = N_("IBAN as on earlier validated invoices of this supplier")
MEMORY_IBAN_CHANGED = N_("This supplier was validated before with IBAN {known}; this invoice asks for {iban}. Confirm "
                         "the new account with the supplier by phone before anyone pays (invoice fraud).")
MEMORY_NAME = N_("name as on earlier validated invoices")
MEMORY_CURRENCY = N_("{currency}, as on the {n} earlier validated invoice(s) of this supplier")
MEMORY_SAME = N_("as on earlier validated invoices")
MEMORY_NAME_MISREAD = N_("read as {read}; {name} is the name validated on earlier invoices of this supplier, whose "
                         "VAT number or IBAN this invoice bears")
MEMORY_NAME_UNREAD = N_("{name}: the name validated on earlier invoices of this supplier, whose VAT number this "
                        "invoice bears (the name itself was not read)")
LAYOUT_OFFERED = N_("read after “{anchor}”, where an operator found the {title} on this supplier's earlier invoice; "
                    "nothing else found it, so check it")
LAYOUT_AGREED = N_("also printed after “{anchor}”, where an operator validated the {title} on this supplier's "
                   "earlier invoice")
LAYOUT_DOUBTED = N_("this supplier prints the {title} after “{anchor}”, and there it reads {there}, not {here}: "
                    "check which is right")
CLIENT_NAME_PROVEN = N_("read as {read}; {name} is the client's name, whose VAT number this invoice bears")
CLIENT_OWN_VAT = N_("{vat} is the client's own VAT number: the supplier's is another, check it")
CLIENT_NAME_OTHER = N_("read as {read}, which is not the client's name {name}: check who the invoice is addressed to")
CLIENT_NAME_CLOSE = N_("read as {read}, close to the client's name {name} but not the same: the client's name is "
                       "offered, check it")
SERIES_CONTINUES = N_("{value} continues this supplier's invoice numbers (last validated: {last})")
SERIES_DATED_BEFORE = N_("dated {date}, before {last_date}, the date of this supplier's invoice {last}, yet its number "
                         "{number} comes after: check the date")
SERIES_SHORTER = N_("{value} has fewer digits than this supplier's invoice numbers ({last}): a digit may have been "
                    "lost in reading, check it")
LAYOUT_CORRECTED = N_("read {there} after “{anchor}”, where an operator corrected the {title} on this supplier's "
                      "earlier invoice; the general reading was {here}: check which is right")

# --- why a document waits for a person, or was not taken (pipeline.review, pipeline.jobs, pipeline.api)
FIELDS_TO_CHECK = N_("fields to check: {fields}")
SUSPECTED_DUPLICATE = N_("suspected duplicate of document {id} ({file})")
SUSPECTED_DUPLICATE_OPEN = N_("suspected duplicate of document {id}, not decided yet")
SECOND_LOOK = N_("random second look at an auto-released document")
NOT_AN_INVOICE = N_("not an invoice")
NOT_AN_INVOICE_OPERATOR = N_("not an invoice (operator)")
NO_INVOICE_FOUND = N_("the machine found no invoice on it; an operator can reopen it")
REJECTED = N_("rejected: {reason}")
DUPLICATE_OF = N_("duplicate of document {id} ({file})")
SEVERAL_IN_PDF = N_("this PDF seems to hold several invoices (pages {ranges}): an operator should split it")
REST_NOT_READ = N_("{note}: the rest of the file was not read")
VALIDATED_BY_OPERATOR = N_("validated by an operator")
ALL_CERTAIN = N_("every required field certain")

# --- what reading leaves on a document (pipeline.read): "[code] message"
PAGE_LIMIT = N_("only the first {limit} of {total} pages were read (MAX_PAGES)")
BLANK_PAGE = N_("page {number} is blank: it has no text")
NO_TEXT = N_("page {number}: no text was found on it")
OCR_TOO_LONG = N_("page {number}: OCR took longer than {limit} s and was stopped")
NOT_READ = N_("page {number}: not read, {why}")
NO_OCR_ENGINE = N_("no OCR engine")
CODED = N_("[{code}] {message}")
DAMAGED = N_("The PDF is damaged ({why}): {said}. The original is kept as received; check what was read, or ask the "
             "sender for a new copy.")
DAMAGED_NOTHING = N_("The PDF is damaged ({why}): none of its {pages} pages could be recovered.")
DAMAGE_LOOPS = N_("its page tree loops back on itself")
DAMAGE_CUT = N_("it is cut off or its index is broken")
DAMAGE_PAGES = N_("some of its pages cannot be loaded")
RECOVERED_ONE = N_("{recovered} of {pages} page could be recovered and read")
RECOVERED = N_("{recovered} of {pages} pages could be recovered and read")
RECOVERED_LOST_ONE = N_("{recovered} of {pages} pages could be recovered and read; page {lost} is lost")
RECOVERED_LOST = N_("{recovered} of {pages} pages could be recovered and read; pages {lost} are lost")
RECOVERED_LOST_ONE_PART = N_("{recovered} of {pages} pages could be recovered and read; page {lost} is lost; "
                             "{partly}")
RECOVERED_LOST_PART = N_("{recovered} of {pages} pages could be recovered and read; pages {lost} are lost; {partly}")
RECOVERED_PART = N_("{recovered} of {pages} pages could be recovered and read; {partly}")
RECOVERED_ONE_PART = N_("{recovered} of {pages} page could be recovered and read; {partly}")
IN_PART_ONE = N_("page {partial} only in part")
IN_PART = N_("pages {partial} only in part")

# --- why a file was refused or failed (pipeline.intake, pipeline.read): "[code] message — hint"; {detail} is an
# engine's own text (a PDF library's, a mail parser's) and stays as it is
NO_PAGES = N_("The PDF has no pages.")
IMAGE_NO_PAGES = N_("The image has no pages.")
IMAGE_UNDECODED = N_("Image page {n} cannot be decoded: {detail}")
IMAGE_NO_PIXELS = N_("Image page {n} has no pixels.")
IMAGE_TOO_MANY_PIXELS = N_("Image page {n} has {width}x{height} pixels, over the limit of {limit}.")
IMAGE_TOO_LARGE = N_("The image is too large to open safely ({detail}).")
PDF_UNOPENED = N_("The PDF cannot be opened: {detail}")
XML_MALFORMED = N_("The XML is not well-formed: {detail}")
MAIL_UNPARSED = N_("The e-mail cannot be parsed: {detail}")
DOCUMENT_EMPTY = N_("The document is empty.")
MAIL_EMPTY = N_("The e-mail is empty.")
IMAGE_EMPTY = N_("The image file is empty.")
FILE_EMPTY = N_("The file is empty.")
NAMED_EMPTY = N_("{file} is empty.")
PDF_PASSWORD = N_("The PDF is protected with a password to open it.")
XML_DOCTYPE = N_("The XML declares a DOCTYPE or entities.")
NO_INVOICE_IN_MAIL = N_("No PDF, image or invoice XML in the e-mail ({why}).")
NO_ATTACHMENTS_AT_ALL = N_("it has no attachments")
OCR_EVERY_PAGE_TOO_LONG = N_("OCR of every page took longer than {seconds} s.")
TOO_MANY_MB = N_("{file} is {size} MB; the limit is {limit} MB. Nothing was kept: send a smaller file (fewer pages, "
                 "or scanned at a lower resolution).")
NOT_AN_IMAGE = N_("The file is not a JPEG, PNG, TIFF, WebP or HEIC image.")
WEB_PAGE = N_("{file} is a web page (HTML), not an invoice document.")
AVIF = N_("{file} is an AVIF photo or a video; export it as JPEG.")
NOT_A_DOCUMENT = N_("{file} is not a PDF, image, e-mail or invoice XML.")
REFUSED_KIND = N_("{file} is {what}, not an invoice document.")
DANGEROUS_NAME = N_("{file} has a .{ext} name, which is refused whatever it contains.")
REFUSED_KINDS = (
    N_("a Windows program"), N_("a Linux program"), N_("a macOS program"), N_("a program or Java class"),
    N_("a script"), N_("a ZIP archive or Office document"), N_("a ZIP archive"), N_("a RAR archive"),
    N_("a 7-Zip archive"), N_("a gzip archive"), N_("an old Office document (doc/xls/msg)"),
    N_("a GIF image (not supported: send a PDF, JPEG or PNG)"), N_("a BMP image (not supported: send a PDF, JPEG or PNG)"),
)

# --- what the validation screen's API answers to a typed value or a decision (pipeline.api)
NOT_IN_CALENDAR = N_("{text} is not a date in the calendar")
NOT_A_DATE = N_("{text} is not a date (write 31/12/2026 or 2026-12-31)")
NOT_A_CURRENCY = N_("{text} is not a currency code (EUR, USD, …)")
NOT_AN_AMOUNT = N_("{text} is not an amount")
NOT_AN_AMOUNT_FORM = N_("{text} is not an amount (write it as 1.234,56)")
LIST_OF_ROWS = N_("{field} takes a list of rows")
REQUIRED_EMPTY = N_("required field(s) still empty: {fields}")
REQUIRED_EMPTY_HINT = N_("fill them in, or reject the document if they are not on it")
NOT_A_DOCUMENT_TYPE = N_("{text} is not a document type")
UNDECIDED = N_("this document is a suspected duplicate of document {id}")
UNDECIDED_HINT = N_("Compare both and choose 'Same invoice' or 'A different invoice' first.")
WRONG_DOCUMENT = N_("the form belongs to another document")
WRONG_DOCUMENT_HINT = N_("Reload the page: the values were typed for another document.")
NOT_EARLIER = N_("document {id} is no earlier document of the same client")
NOT_SUSPECTED = N_("document {id} is not a suspected duplicate")
INVALID_VALUE_HINT = N_("Correct the value (amounts like 1234,56; dates like 31/12/2026) and save again.")
DOCUMENT_TYPE_HINT = N_("type invoice, credit note or receipt")
INCOMPLETE_HINT = N_("Fill in the missing fields before the UBL can be built.")
MISSING = N_("missing: {fields}")
# splitting a PDF (pipeline.review.split)
NOT_RANGES = N_("{text} is not a list of page ranges like 1-2, 3-4")
NO_RANGES = N_("no page ranges given")
NO_RANGE = N_("{a}-{b} is no page range (pages count from 1, first page before last)")
PAST_LAST_PAGE = N_("{a}-{b} goes past the last page: the PDF has {pages} pages")
RANGES_OVERLAP = N_("{a}-{b} and {c}-{d} overlap: each page belongs to one invoice")
WHOLE_PDF = N_("{ranges} is the whole PDF: give two ranges or fewer pages")
RANGES_HINT = N_("Give the pages of each invoice as ranges like 1-2, 3-4 (first page 1, inclusive, no overlap).")
SPLIT_ALREADY = N_("document {id} was split already (pages {pages})")
SPLIT_ALREADY_HINT = N_("Each part is a document of its own; correct or reject the parts instead.")
ONLY_PDF_SPLITS_HINT = N_("Reject it, or ask the sender for one file per invoice.")

# --- an e-mail's attachments, one by one (pipeline.intake.email, pipeline.api.documents)
ATTACHMENT_TAKEN = N_("{file}: taken")
ATTACHMENT_NOT_TAKEN = N_("{file}: not taken")
NESTED_TOO_DEEP = N_("messages nested too deep")
ATTACHMENT_UNDECODED = N_("the attachment is empty or cannot be decoded")
ATTACHED_MAIL_UNPARSED = N_("attached e-mail cannot be parsed")
LOGO = N_("image of {n} bytes (logo or signature)")
SAME_ATTACHMENT = N_("the same file as another attachment of this e-mail")

# --- signing in (pipeline.core.accounts)
SIGN_IN_WRONG = N_("Unknown user, wrong password or wrong code.")
SIGN_IN_LOCKED = N_("Too many failed sign-ins: wait {seconds} seconds, then try again.")

# --- what a client's own sales invoices and customers answer (pipeline.sales)
SALES_VAT = N_("VAT number {vat} is not valid (check digits or format)")
SALES_KBO = N_("enterprise number {number} is not valid (mod-97 check)")
SALES_IBAN = N_("IBAN {iban} is not valid")
SALES_BIC = N_("BIC {bic} is not valid")
SALES_NAME = N_("a customer needs a name")
SALES_TERMS = N_("payment terms are between 0 and 365 days")
SALES_VAT_COUNTRY = N_("VAT number {vat} does not belong to country {country}")
SALES_EMAIL = N_("{email} is not an e-mail address")
SALES_NO_LINES = N_("an invoice needs at least one line")
SALES_NO_DESCRIPTION = N_("line {n} has no description")
SALES_NEGATIVE = N_("line {n}: a unit price is not negative (use a credit note)")
SALES_DISCOUNT = N_("a discount of {percent}% is not between 0 and 100")
SALES_RATE = N_("{rate}% is not a Belgian VAT rate (21, 12 or 6; 0 with category Z, E, AE or K)")
SALES_ZERO_RATED = N_("category {category} is charged at 0%, not {rate}%")
SALES_ISSUED = N_("invoice {number} is issued; it cannot be edited")
SALES_ONLY_ISSUED = N_("only an issued invoice can be credited")
SALES_COMPLETE_HINT = N_("Complete the details, then issue it again.")
# why an invoice may not go out, what a person must confirm first (pipeline.sales.guards)
SALES_NO_VAT = N_("your VAT number is missing: a Belgian invoice must show it (ask your accountant to fill it in)")
SALES_NO_ADDRESS = N_("your address (street, postcode and city) is missing: fill it in under 'My details'")
SALES_NEGATIVE_TOTAL = N_("the total {total} is negative: correct an invoice with a credit note")
SALES_CREDIT_TOO_MUCH = N_("the credit note ({credit}) is more than invoice {number} ({total}) it corrects")
SALES_CREDIT_LOWERS = N_("this credit note lowers what {customer} owes you by {amount}")
SALES_CREDIT_LOWERS_OF = N_("this credit note of invoice {number} lowers what {customer} owes you by {amount}")
SALES_ZERO_TOTAL = N_("the total is 0.00 {currency}: {customer} owes you nothing for this invoice")
SALES_NO_IBAN = N_("your IBAN is missing: the invoice shows no account to pay into")

# --- why an invoice is not in a payment file (pipeline.payments.prepare)
PAY_SECOND_COPY = N_("looks like a second copy of document {id}, not paid until the validation centre decides")
PAY_NO_IBAN = N_("no valid supplier IBAN on the document")
PAY_NOT_EURO = N_("{currency}: a SEPA transfer is in euro")
PAY_NO_AMOUNT = N_("no amount to pay")
PAY_ALREADY_PAID = N_("already paid (document {id}: same supplier, number and amount)")
PAY_ALREADY_PREPARED = N_("already in a payment file waiting at the bank (document {id}: same supplier, number and "
                          "amount)")
PAY_SAME_IN_BATCH = N_("the same invoice as document {id} in this batch (same supplier, number and amount)")
PAY_LEFT_OUT = N_("left out of this batch by you")

# --- API tokens (pipeline.api.tokens)
TOKEN_SCOPES = N_("the scopes are {scopes}; not {got}")
TOKEN_NAME = N_("a token needs a name (the package or system that will use it)")
TOKEN_DAYS = N_("a token lives 1 to {days} days")
TOKEN_TARGET = N_("a token is for one office or for one client")

# --- what an operator can do about a rule failure (pipeline.ubl.remedies, pipeline.ubl.parse): joined by "; "
REMEDY_RULE = N_("{remedy} (rule {rule})")
REMEDY_OFFICIAL = N_("the official rule {rule} says (technical detail): {detail}")
REMEDY_SUPERVISOR = N_("no field on the screen answers these rules: a supervisor decides")
REMEDY_BUILD_ERROR = N_("the UBL cannot be built, a supervisor decides (technical detail: {detail})")
RECEIPT_VAT_UNKNOWN = N_("the receipt's VAT is not known: fill in the VAT per rate as printed, or, if the ticket shows "
                         "no VAT at all, the reason (VAT exemption reason, code VATEX-EU-O when it is outside Belgian "
                         "VAT)")
RECEIPT_SELLER = N_("and the shop's VAT number, enterprise number or registration number as printed")
MARKED_NOT_INVOICE = N_("a document marked as something other than an invoice, a credit note or a receipt cannot become "
                        "an invoice")

TEMPLATES: tuple[str, ...] = (
    *MESSAGES, LABEL_ALONE_NEXT, LABEL_ALONE_UNDER, NUMBER_REPEATED, ONLY_DATE_NEXT, ONLY_DATE_UNDER, DAY_FIRST,
    DAY_FIRST_LANGUAGE, TERMS_AGREE, CURRENCY_MARKS, DIRECT_DEBIT, ROUNDED, NET_FROM_ZERO_VAT, SUPPLIER_SIDE,
    CUSTOMER_SIDE, KBO_FROM_VAT, SEVERAL_INVOICES, PARSE_FAILED, DATELINE, SALE_TIMESTAMP, TITLE_DATE, MEMORY_IBAN_CHANGED, MEMORY_CURRENCY, LAYOUT_OFFERED,
    LAYOUT_AGREED, LAYOUT_DOUBTED, LAYOUT_CORRECTED, SERIES_CONTINUES, SERIES_SHORTER, SERIES_DATED_BEFORE, CLIENT_NAME_PROVEN, CLIENT_OWN_VAT, CLIENT_NAME_OTHER, CLIENT_NAME_CLOSE, MEMORY_NAME_MISREAD, MEMORY_NAME_UNREAD, FIELDS_TO_CHECK, SUSPECTED_DUPLICATE, SUSPECTED_DUPLICATE_OPEN,
    REJECTED, DUPLICATE_OF, SEVERAL_IN_PDF, REST_NOT_READ, PAGE_LIMIT, BLANK_PAGE, NO_TEXT, OCR_TOO_LONG, NOT_READ,
    CODED, DAMAGED, DAMAGED_NOTHING, RECOVERED_ONE, RECOVERED, RECOVERED_LOST_ONE, RECOVERED_LOST,
    RECOVERED_LOST_ONE_PART, RECOVERED_LOST_PART, RECOVERED_PART, RECOVERED_ONE_PART, IN_PART_ONE, IN_PART, NOT_IN_CALENDAR, NOT_A_DATE, NOT_A_CURRENCY, NOT_AN_AMOUNT, NOT_AN_AMOUNT_FORM, LIST_OF_ROWS,
    REQUIRED_EMPTY, NOT_A_DOCUMENT_TYPE, UNDECIDED, NOT_EARLIER, NOT_SUSPECTED, IMAGE_UNDECODED, IMAGE_NO_PIXELS,
    IMAGE_TOO_MANY_PIXELS, IMAGE_TOO_LARGE, PDF_UNOPENED, XML_MALFORMED, MAIL_UNPARSED, NAMED_EMPTY, NO_INVOICE_IN_MAIL,
    OCR_EVERY_PAGE_TOO_LONG, TOO_MANY_MB, WEB_PAGE, AVIF, NOT_A_DOCUMENT, REFUSED_KIND, DANGEROUS_NAME, MISSING,
    NOT_RANGES, NO_RANGE, PAST_LAST_PAGE, RANGES_OVERLAP, WHOLE_PDF, SPLIT_ALREADY, SALES_VAT, SALES_KBO, SALES_IBAN,
    SALES_BIC, SALES_VAT_COUNTRY, SALES_EMAIL, SALES_NO_DESCRIPTION, SALES_NEGATIVE, SALES_DISCOUNT, SALES_RATE,
    SALES_ZERO_RATED, SALES_ISSUED, SIGN_IN_LOCKED, ATTACHMENT_TAKEN, ATTACHMENT_NOT_TAKEN, LOGO,
    SALES_NEGATIVE_TOTAL, SALES_CREDIT_TOO_MUCH, SALES_CREDIT_LOWERS, SALES_CREDIT_LOWERS_OF, SALES_ZERO_TOTAL,
    PAY_SECOND_COPY, PAY_NOT_EURO, PAY_ALREADY_PAID, PAY_ALREADY_PREPARED, PAY_SAME_IN_BATCH, REMEDY_RULE,
    REMEDY_OFFICIAL, REMEDY_BUILD_ERROR, TOKEN_SCOPES, TOKEN_DAYS,
)
# messages with no placeholder: found in the catalogue as they are (listed for the test that renders them all)
LITERALS: tuple[str, ...] = (
    DAY_FIRST_DATE, DAY_FIRST_COMMA, CURRENCY_DEFAULT, COMPUTED_TOTAL, MEMORY_IBAN, MEMORY_NAME, MEMORY_SAME,
    SECOND_LOOK, NOT_AN_INVOICE, NOT_AN_INVOICE_OPERATOR, NO_INVOICE_FOUND, VALIDATED_BY_OPERATOR, ALL_CERTAIN,
    NO_OCR_ENGINE, REQUIRED_EMPTY_HINT, UNDECIDED_HINT, WRONG_DOCUMENT, WRONG_DOCUMENT_HINT, NO_PAGES, IMAGE_NO_PAGES,
    DOCUMENT_EMPTY, MAIL_EMPTY, IMAGE_EMPTY, FILE_EMPTY, PDF_PASSWORD, XML_DOCTYPE, NO_ATTACHMENTS_AT_ALL, NOT_AN_IMAGE,
    *REFUSED_KINDS, INVALID_VALUE_HINT, DOCUMENT_TYPE_HINT, INCOMPLETE_HINT, NO_RANGES, RANGES_HINT, SPLIT_ALREADY_HINT,
    ONLY_PDF_SPLITS_HINT, SALES_NAME, SALES_TERMS, SALES_NO_LINES, SALES_ONLY_ISSUED, SALES_COMPLETE_HINT,
    SALES_NO_VAT, SALES_NO_ADDRESS, SALES_NO_IBAN, PAY_NO_IBAN, PAY_NO_AMOUNT, PAY_LEFT_OUT,
    TOKEN_NAME, TOKEN_TARGET, REMEDY_SUPERVISOR, RECEIPT_VAT_UNKNOWN, RECEIPT_SELLER, MARKED_NOT_INVOICE, SIGN_IN_WRONG, DAMAGE_LOOPS, DAMAGE_CUT, DAMAGE_PAGES, NESTED_TOO_DEEP, ATTACHMENT_UNDECODED, ATTACHED_MAIL_UNPARSED, SAME_ATTACHMENT,
)

# what python-stdnum says of a number (the {problem} of a VAT number or IBAN)
STDNUM_PROBLEMS = (
    N_("The number's checksum or check digit is invalid."),
    N_("The number has an invalid length."),
    N_("The number has an invalid format."),
    N_("One of the parts of the number are invalid or unknown."),
    N_("The number is not valid."),
)
# the supplier memory's names of fields ({title})
SUPPLIER_TITLES = (
    N_("invoice number"), N_("issue date"), N_("due date"), N_("total excluding VAT"), N_("VAT total"),
    N_("total including VAT"), N_("payment reference"), N_("supplier's VAT number"), N_("customer's VAT number"),
    N_("customer name"), N_("supplier name"),
)

_FIELD = re.compile(r"\{([a-z_]+)\}")
WORD_PARAMETERS = frozenset({"why", "problem", "title", "message", "note", "reason", "what", "said", "partly",
                             "remedy"})  # said in the reader's language
FIELD_PARAMETERS = frozenset({"field"})  # a field's name: its title
FIELD_LIST_PARAMETERS = frozenset({"fields"})  # field names, comma-separated: their titles


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(pattern, template) for every template, the most literal text first (the most specific)."""
    made = []
    for template in TEMPLATES:
        parts, last, seen = [], 0, set()
        for found in _FIELD.finditer(template):
            parts.append(re.escape(template[last:found.start()]))
            name = found.group(1)
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
            last = found.end()
        parts.append(re.escape(template[last:]))
        made.append((re.compile("".join(parts), re.DOTALL), template))
    return tuple(sorted(made, key=lambda pair: -len(_FIELD.sub("", pair[1]))))


def template_of(message: str) -> tuple[str, dict[str, str]] | None:
    """The template ``message`` was made from and its parameters; None when no template made it."""
    for pattern, template in _patterns():
        found = pattern.fullmatch(message)
        if found:
            return template, found.groupdict()
    return None


def _parameter(name: str, value: str, lang: str | None, depth: int) -> str:
    if name in FIELD_PARAMETERS:
        return field_title(value.strip("'\""), lang)
    if name in FIELD_LIST_PARAMETERS:
        return ", ".join(field_title(part.strip(), lang) for part in value.split(","))
    if name in WORD_PARAMETERS:
        return _words(value, lang, depth + 1)
    return value


def _words(message: str, lang: str | None, depth: int) -> str:
    if depth > 3 or not message.strip():
        return message
    whole = lookup(message, lang)
    if whole != message:
        return whole
    made = template_of(message)
    if made is None:
        return message
    template, values = made
    return lookup(template, lang).format(**{k: _parameter(k, v, lang, depth) for k, v in values.items()})


@lru_cache(maxsize=4096)
def template_words(message: str, lang: str) -> str:
    """``message`` said from the template that made it (``pipeline.core.i18n.translate`` asks, on a miss)."""
    if len(message) > 2000 or template_of(message) is None:
        return message
    return _words(message, lang, 0)


def check_words(message: str, lang: str | None = None) -> str:
    """``message`` (a machine's, in English) in ``lang`` (the current language when None); several messages
    joined by ``"; "`` (a rule failure's remedies) each in ``lang``."""
    return several_words(message, lang)


def several_words(text: str, lang: str | None = None) -> str:
    """Messages joined by ``"; "`` (a task's reason, a document's notes), each in ``lang``; a message whose own
    template has a ``"; "`` in it is said whole."""
    parts = text.split("; ")
    if len(parts) > 1 and not _joined_template(text) and all(_known(part) for part in parts):
        return "; ".join(_words(part, lang, 0) for part in parts)
    return _words(text, lang, 0)


def _joined_template(message: str) -> bool:
    made = template_of(message)
    return made is not None and "; " in _FIELD.sub("", made[0])


def _known(message: str) -> bool:
    return template_of(message) is not None or lookup(message, "nl") != message
