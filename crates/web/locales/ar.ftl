# Sila — Arabic messages. Keys must match en.ftl exactly (a test checks it).

## Problems with one field

problem-required = مطلوب.
problem-too_long = أطول من المسموح (الحد الأقصى { $limit } حرفًا).
problem-too_short = أقصر من المسموح (الحد الأدنى { $limit } أحرف).
problem-invalid_text = يحتوي على رموز غير مقبولة.
problem-unknown_value = قيمة غير معروفة أو غير مسموح بها هنا.
problem-invalid_id = معرّف غير صالح.
problem-invalid_date = تاريخ غير صالح؛ اكتبه بالصيغة سنة-شهر-يوم، مثل 2019-08-26.
problem-date_in_future = التاريخ في المستقبل، ولا يصح أن يكون كذلك.
problem-date_not_in_future = يجب أن يكون بعد اليوم.
problem-date_too_early = التاريخ قبل سنة 1900.
problem-qid_length = يجب أن يتكون من 11 رقمًا.
problem-qid_digits = يجب أن يحتوي على أرقام فقط.
problem-qid_century = يجب أن يبدأ بالرقم 2 أو 3.
problem-qid_nationality_unknown = الأرقام من الرابع إلى السادس لا تطابق رمز جنسية معروفًا.
problem-qid_birth_year_mismatch = سنة الميلاد فيه لا تطابق تاريخ الميلاد.
problem-qid_nationality_mismatch = رمز الجنسية فيه لا يطابق الجنسية المدخلة.
problem-qid_birth_year_in_future = سنة الميلاد فيه في المستقبل.
problem-phone_format = رقم غير صالح؛ اكتبه بالصيغة الدولية، مثل ‎+974 5512 3456‎.
problem-phone_qatar_length = الرقم القطري يتكون من 8 أرقام بعد مفتاح الدولة 974.
problem-phone_qatar_prefix = الرقم القطري يبدأ بـ 3 أو 5 أو 6 أو 7 (جوال) أو 4 (ثابت).
problem-phone_short_not_hotline = الأرقام القصيرة مقبولة للخطوط الساخنة فقط.
problem-country_unknown = رمز دولة غير معروف.
problem-username_format = يتكون من أحرف لاتينية صغيرة وأرقام والرموز . _ - فقط.
problem-empty_list = اختر عنصرًا واحدًا على الأقل.
problem-duplicate = قيمة مكررة.
problem-risk_level_below_score = لا يجوز أن يكون أقل من المستوى الذي تعطيه النتيجة.
problem-not_a_child = أساس الحماية الإلزامية يخص الأطفال فقط (دون 18 سنة).
problem-end_before_start = يجب أن تكون بعد البداية.
problem-same_person = هو سجل الشخص نفسه؛ اختر السجل المكرر لدمجه.

## Errors of a whole request

error-invalid_json = تعذّرت قراءة الطلب؛ تحقق من صيغة البيانات.
error-not_signed_in = يجب تسجيل الدخول أولًا.
error-sign_in_failed = اسم المستخدم أو كلمة المرور غير صحيحة.
error-forbidden = لا تملك صلاحية القيام بهذا الإجراء.
error-not_found = السجل غير موجود.
error-transition_not_allowed = لا يمكن نقل الإحالة إلى هذه الحالة من حالتها الحالية.
error-stale_version = تغيّر السجل منذ أن فتحته؛ أعد تحميله ثم حاول مرة أخرى.
error-duplicate = هذا السجل موجود مسبقًا.
error-qid_already_registered = يوجد شخص مسجل بهذا الرقم الشخصي؛ ابحث عنه واختره بدل تسجيله من جديد.
error-person_already_in_case = هذا الشخص مضاف إلى القضية بهذه الصفة.
error-referral_already_open = توجد إحالة مفتوحة لهذه القضية إلى الجهة نفسها.
error-already_withdrawn = سُحبت هذه الموافقة من قبل.
error-case_not_open = القضية مغلقة أو محوّلة، ولا يمكن تعديلها.
error-idempotency_in_progress = طلب بالمفتاح نفسه ما زال قيد التنفيذ.
error-transfer_through_referral = تُحوَّل قضية المركز إلى الجهة المختصة عبر خطوة «محوّلة» في الإحالة.
error-no_active_protocol = لا يوجد بروتوكول ساري المفعول بين الجهتين.
error-category_not_covered = البروتوكول الساري لا يشمل تصنيف هذه القضية.
error-data_class_not_in_protocol = البروتوكول الساري لا يسمح بإرسال هذه البيانات: { $classes }.
error-consent_missing = لا توجد موافقة سارية تغطي إرسال هذه البيانات: { $classes }.
error-centre_first = هذه القضية من فئة «المركز أولًا»: لا تُحوَّل إلى جهة مختصة قبل أن يسجل المركز نتيجة، إلا باستثناء يسجله مشرف الشرطة.
error-idempotency_key_reused = استُخدم مفتاح عدم التكرار نفسه لطلب مختلف.
error-unavailable = الخدمة غير متاحة مؤقتًا.
error-internal = حدث خطأ غير متوقع. سُجِّل الخطأ، ويمكنك المحاولة مرة أخرى.
error-payload_too_large = حجم الطلب أكبر من المسموح.
error-method_not_allowed = هذه الطريقة غير مدعومة لهذا المسار.

error-too_many_attempts = محاولات فاشلة كثيرة؛ أُوقف الدخول مؤقتًا. حاول بعد قليل.
error-totp_required = أدخل رمز التحقق ذا الستة أرقام من تطبيق المصادقة.
error-totp_enrolment_required = يجب تفعيل التحقق بخطوتين قبل متابعة العمل.
error-totp_already_enrolled = التحقق بخطوتين مفعّل من قبل.
error-token_scope = صلاحية رمز الواجهة لا تسمح بهذا الطلب.
error-csrf_rejected = رُفض الطلب لأنه صادر من موقع آخر.
error-content_shredded = انتهت مدة حفظ هذه القضية وأُتلف محتواها.
error-person_already_merged = دُمج سجل هذا الشخص في سجل آخر؛ افتح ذلك السجل بدلًا منه.
error-person_not_merged = سجل هذا الشخص غير مدموج في سجل آخر.

## Field names

field-username = اسم المستخدم
field-password = كلمة المرور
field-display_name = الاسم الظاهر
field-roles = الأدوار
field-agency_id = الجهة
field-office_ids = المكاتب
field-language = اللغة
field-first_name_ar = الاسم الأول
field-father_name_ar = اسم الأب
field-grandfather_name_ar = اسم الجد
field-family_name_ar = اسم العائلة
field-name_latin = الاسم بالأحرف اللاتينية
field-sex = الجنس
field-birth_date = تاريخ الميلاد
field-dob = تاريخ الميلاد
field-nationality = الجنسية
field-qid = رقم البطاقة الشخصية
field-phones = الهاتف
field-municipality = البلدية
field-disability_notes = ملاحظات الإعاقة والاحتياجات
field-q = نص البحث
field-limit = عدد النتائج
field-cursor = موضع الصفحة
field-id = المعرّف
field-kind = النوع
field-category = التصنيف
field-subcategory = التصنيف الفرعي
field-narrative = السرد
field-office_id = المكتب
field-status = الحالة
field-assigned = الإسناد
field-person_id = الشخص
field-role = الصفة
field-answers = إجابة البند
field-judged_level = مستوى الخطورة المقدَّر
field-judgement_reason = سبب رفع مستوى الخطورة
field-recipient_agency_id = الجهة المستلمة
field-basis = الأساس
field-method = طريقة الموافقة
field-witness = الشاهد
field-mandatory_ground = سبب الحماية الإلزامية
field-purpose = الغرض
field-data_classes = فئات البيانات
field-expires_on = تاريخ الانتهاء
field-reason = السبب
field-case_id = القضية
field-to_office_id = المكتب المستلم
field-priority = الأولوية
field-to = الحالة الجديدة
field-outcome = النتيجة
field-authority_agency_id = الجهة المختصة
field-authority_reference = رقم المرجع لدى الجهة المختصة
field-version = رقم النسخة
field-level = مستوى الاطلاع
field-text = النص
field-readers = القرّاء المسموح لهم
field-user_id = الموظف
field-team_id = الفريق
field-ground = سند الاستثناء
field-note = الملاحظة
field-box = صندوق الإحالات
field-agency_a_id = الطرف الأول
field-agency_b_id = الطرف الثاني
field-valid_from = ساري من
field-valid_until = ساري حتى
field-document_ref = مرجع الوثيقة
field-categories = التصنيفات
field-centre_first = تصنيفات «المركز أولًا»
field-deadlines = المُهل
field-body = الطلب
field-idempotency_key = مفتاح عدم التكرار
field-subject = السجل
field-actor = المستخدم
field-tree_size = حجم الشجرة
field-first = الحجم الأول
field-second = الحجم الثاني
field-index = رقم القيد
field-code = رمز التحقق
field-name = الاسم
field-days = مدة الصلاحية

## Data classes

class-identity = الهوية
class-contact = بيانات الاتصال
class-summary = الملخص
class-risk = تقييم الخطورة
class-narrative = السرد
class-attachments = المرفقات

## Pages

page-title = صلة — نظام الإحالة وإدارة الحالات
page-intro = نظام سري لإحالة حالات النساء والأطفال من الشرطة المجتمعية إلى مراكز الحماية والإرشاد الأسري ومتابعتها.
page-api = واجهة البرمجة (OpenAPI)
page-language-switch = English

## لماذا يطابق شخصٌ البحث

name-part-first_name = الاسم الأول
name-part-father_name = اسم الأب
name-part-grandfather_name = اسم الجد
name-part-middle_name = اسم أوسط
name-part-family_name = اسم العائلة
reason-equal = { $part }: متطابق ({ $found }).
reason-equal_but_article = { $part }: متطابق إلا في «ال» التعريف ({ $query } / { $found }).
reason-spelling_variant = { $part }: كتابة أخرى للاسم نفسه ({ $query } / { $found }).
reason-transliteration = { $part }: الاسم نفسه بالحروف العربية واللاتينية ({ $query } / { $found }).
reason-typing_slip = { $part }: يبدو أن { $found } هو { $query } مع خطأ في الطباعة.
reason-misspelling = { $part }: يبدو أن { $found } كتابة خاطئة لـ { $query }.
reason-different_near_name = { $part }: { $query } و{ $found } اسمان مختلفان.
reason-other_sex_form = { $part }: { $query } و{ $found } صيغتا المذكر والمؤنث لاسم واحد.
reason-different_first_letter = { $part }: يختلف { $query } و{ $found } في الحرف الأول.
reason-different_letter = { $part }: يختلف { $query } و{ $found } بحرف لا يُعدّ خطأ طباعة.
reason-fits_another_name = { $part }: { $found } أقرب إلى كتابة { $name }.
reason-different = { $part }: { $query } و{ $found } مختلفان.
reason-name_omitted = الاسم { $name } مذكور في أحد الطرفين فقط.
reason-qid_equal = الرقم الشخصي متطابق.
reason-qid_equal_names_differ = الرقم الشخصي متطابق لكن الاسمين مختلفان: تحقّق من الرقم.
reason-qid_differs = الرقم الشخصي مختلف: شخصان مختلفان.
reason-birth_date_equal = تاريخ الميلاد متطابق.
reason-birth_date_differs = تاريخ الميلاد مختلف.
reason-sex_differs = الجنس المسجل مختلف.
reason-rare_name = الأسماء المتطابقة نادرة، مما يقوّي المطابقة.
