# Sila — English messages. Keys must match ar.ftl exactly (a test checks it).

## Problems with one field

problem-required = is required.
problem-too_long = is too long (at most { $limit } characters).
problem-too_short = is too short (at least { $limit } characters).
problem-invalid_text = contains characters that are not accepted.
problem-unknown_value = is not a known or allowed value here.
problem-invalid_id = is not a valid identifier.
problem-invalid_date = is not a valid date; write it as year-month-day, e.g. 2019-08-26.
problem-date_in_future = lies in the future, which it cannot.
problem-date_not_in_future = must be after today.
problem-date_too_early = is before 1900.
problem-qid_length = must have 11 digits.
problem-qid_digits = must contain digits only.
problem-qid_century = must start with 2 or 3.
problem-qid_nationality_unknown = digits 4 to 6 do not form a known nationality code.
problem-qid_birth_year_mismatch = its birth year differs from the date of birth.
problem-qid_nationality_mismatch = its nationality code differs from the nationality given.
problem-qid_birth_year_in_future = its birth year lies in the future.
problem-phone_format = is not valid; write it in international form, e.g. +974 5512 3456.
problem-phone_qatar_length = a Qatar number has 8 digits after the country code 974.
problem-phone_qatar_prefix = a Qatar number starts with 3, 5, 6 or 7 (mobile) or 4 (landline).
problem-phone_short_not_hotline = short numbers are accepted for hotlines only.
problem-country_unknown = is not a known country code.
problem-username_format = may use lower-case Latin letters, digits and . _ - only.
problem-empty_list = choose at least one.
problem-duplicate = is repeated.
problem-risk_level_below_score = cannot be lower than the level the score gives.
problem-not_a_child = the mandatory-protection basis applies to children (under 18) only.
problem-end_before_start = must be after the start.
problem-same_person = is the same person record; choose the duplicate to merge.

## Errors of a whole request

error-invalid_json = The request could not be read; check the format of the data.
error-not_signed_in = Please sign in first.
error-sign_in_failed = The username or password is not correct.
error-forbidden = You are not allowed to do this.
error-not_found = The record was not found.
error-transition_not_allowed = The referral cannot move to this status from its current one.
error-stale_version = The record changed since you opened it; reload it and try again.
error-duplicate = This record already exists.
error-qid_already_registered = A person with this Qatar ID number is already registered; search for them and pick them instead.
error-person_already_in_case = This person is already in the case in this role.
error-referral_already_open = The case already has an open referral to the same agency.
error-already_withdrawn = This consent was already withdrawn.
error-case_not_open = The case is closed or transferred and cannot be changed.
error-idempotency_in_progress = A request with the same key is still running.
error-transfer_through_referral = A centre case goes to an authority through the referral's "transferred" step.
error-no_active_protocol = No protocol between the two agencies is in force.
error-category_not_covered = The protocol in force does not cover this case's category.
error-data_class_not_in_protocol = The protocol in force does not allow sending: { $classes }.
error-consent_missing = No valid consent covers sending: { $classes }.
error-centre_first = This case is in a "centre first" category: it goes to an authority only after the centre records an outcome, or with a bypass recorded by a police supervisor.
error-idempotency_key_reused = The same idempotency key was used for a different request.
error-unavailable = The service is temporarily unavailable.
error-internal = Something unexpected went wrong. It was logged; you may try again.
error-payload_too_large = The request is too large.
error-method_not_allowed = This method is not supported on this path.

error-too_many_attempts = Too many failed attempts; signing in is paused. Try again later.
error-totp_required = Enter the six-digit code from your authenticator app.
error-totp_enrolment_required = Set up two-step sign-in before going on.
error-totp_already_enrolled = Two-step sign-in is already set up.
error-token_scope = The API token's scope does not allow this request.
error-csrf_rejected = The request was refused because it came from another site.
error-content_shredded = This case's retention has ended and its content was destroyed.
error-person_already_merged = This person record was merged into another one; open that record instead.
error-person_not_merged = This person record is not merged into another one.

## Field names

field-username = Username
field-password = Password
field-display_name = Display name
field-roles = Roles
field-agency_id = Agency
field-office_ids = Offices
field-language = Language
field-first_name_ar = First name
field-father_name_ar = Father's name
field-grandfather_name_ar = Grandfather's name
field-family_name_ar = Family name
field-name_latin = Name in Latin letters
field-sex = Sex
field-birth_date = Date of birth
field-dob = Date of birth
field-nationality = Nationality
field-qid = Qatar ID number
field-phones = Phone
field-municipality = Municipality
field-disability_notes = Disability and needs
field-q = Search text
field-limit = Number of results
field-cursor = Page position
field-id = Identifier
field-kind = Kind
field-category = Category
field-subcategory = Sub-category
field-narrative = Narrative
field-office_id = Office
field-status = Status
field-assigned = Assignment
field-person_id = Person
field-role = Role
field-answers = Answer to item
field-judged_level = Judged risk level
field-judgement_reason = Reason for raising the risk level
field-recipient_agency_id = Receiving agency
field-basis = Basis
field-method = How consent was given
field-witness = Witness
field-mandatory_ground = Ground for mandatory protection
field-purpose = Purpose
field-data_classes = Data classes
field-expires_on = Expiry date
field-reason = Reason
field-case_id = Case
field-to_office_id = Receiving office
field-priority = Priority
field-to = New status
field-outcome = Outcome
field-authority_agency_id = Competent authority
field-authority_reference = Authority's reference
field-version = Version
field-level = Visibility level
field-text = Text
field-readers = Allowed readers
field-user_id = Staff member
field-team_id = Team
field-ground = Ground for the bypass
field-note = Note
field-box = Referral box
field-agency_a_id = First party
field-agency_b_id = Second party
field-valid_from = Valid from
field-valid_until = Valid until
field-document_ref = Document reference
field-categories = Categories
field-centre_first = "Centre first" categories
field-deadlines = Deadlines
field-body = Request
field-idempotency_key = Idempotency key
field-subject = Record
field-actor = User
field-tree_size = Tree size
field-first = First size
field-second = Second size
field-index = Leaf index
field-code = Code
field-name = Name
field-days = Validity

## Data classes

class-identity = Identity
class-contact = Contact details
class-summary = Summary
class-risk = Risk assessment
class-narrative = Narrative
class-attachments = Attachments

## Pages

page-title = Sila — referral and case management
page-intro = A confidential system for referring women and children from the community police to protection and family-counselling centres, and following up.
page-api = API (OpenAPI)
page-language-switch = العربية

## Why a person matches a search

name-part-first_name = Given name
name-part-father_name = Father's name
name-part-grandfather_name = Grandfather's name
name-part-middle_name = Middle name
name-part-family_name = Family name
reason-equal = { $part }: the same ({ $found }).
reason-equal_but_article = { $part }: the same but for the article ({ $query } / { $found }).
reason-spelling_variant = { $part }: another spelling of the same name ({ $query } / { $found }).
reason-transliteration = { $part }: the same name in Arabic and Latin letters ({ $query } / { $found }).
reason-typing_slip = { $part }: { $found } looks like { $query } with a typing slip.
reason-misspelling = { $part }: { $found } looks like a misspelling of { $query }.
reason-different_near_name = { $part }: { $query } and { $found } are two different names.
reason-other_sex_form = { $part }: { $query } and { $found } are the man's and the woman's form of one name.
reason-different_first_letter = { $part }: { $query } and { $found } differ in the first letter.
reason-different_letter = { $part }: { $query } and { $found } differ by a letter that is not a typing slip.
reason-fits_another_name = { $part }: { $found } is rather the spelling of { $name }.
reason-different = { $part }: { $query } and { $found } differ.
reason-name_omitted = The name { $name } is given on one side only.
reason-qid_equal = The Qatar ID numbers are the same.
reason-qid_equal_names_differ = The Qatar ID numbers are the same but the names differ: check the number.
reason-qid_differs = The Qatar ID numbers differ: two different people.
reason-birth_date_equal = The dates of birth are the same.
reason-birth_date_differs = The dates of birth differ.
reason-sex_differs = The recorded sex differs.
reason-rare_name = The names that agree are rare, which makes the match more telling.
