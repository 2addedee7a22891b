"""The one vocabulary of issue and reason codes, each with the label a steward reads.

Codes are stable snake_case strings stored in `members.issues`, `rejected_rows.reason` and
`rejected_files.reason`; metrics count them and stewards filter by them. Code compares codes,
never labels. Add a code here (in its section) before using it anywhere.
"""

from __future__ import annotations

# --- file-level rejections (rejected_files.reason) -------------------------------------------
FILE_CORRUPT = "file_corrupt"
FILE_PASSWORD_PROTECTED = "file_password_protected"
FILE_EMPTY = "file_empty"
FILE_WRONG_EXTENSION = "file_wrong_extension"
FILE_TOO_LARGE = "file_too_large"
FILE_UNSUPPORTED_FORMAT = "file_unsupported_format"
FILE_NO_HEADER = "file_no_header"
FILE_UNREADABLE_ENCODING = "file_unreadable_encoding"

# --- row-level rejections (rejected_rows.reason) ---------------------------------------------
ROW_NO_NAME = "row_no_name"
ROW_NO_IDENTITY = "row_no_identity"

# --- ingest notes (members.issues) -----------------------------------------------------------
SHEET_NO_HEADER = "sheet_no_header"
SHEET_EMPTY = "sheet_empty"
SHEET_HIDDEN = "sheet_hidden"
SHEET_TOO_LARGE = "sheet_too_large"
NAME_LEGACY_TCVN3 = "name_legacy_tcvn3"
NAME_LEGACY_VNI = "name_legacy_vni"
NAME_LEGACY_VIQR = "name_legacy_viqr"
TEXT_LEGACY_ENCODING = "text_legacy_encoding"

# --- names -----------------------------------------------------------------------------------
NAME_MISSING = "name_missing"
NAME_NFD = "name_nfd"
NAME_TONE_STYLE = "name_tone_style"
NAME_ETH_D = "name_eth_d"
NAME_CASE_FIXED = "name_case_fixed"
NAME_SPACES_FIXED = "name_spaces_fixed"
NAME_NO_DIACRITICS = "name_no_diacritics"
NAME_SINGLE_WORD = "name_single_word"
NAME_INVALID_CHARS = "name_invalid_chars"

# --- CCCD / CMND -----------------------------------------------------------------------------
CCCD_MISSING = "cccd_missing"
CCCD_SEPARATORS_REMOVED = "cccd_separators_removed"
CCCD_LOST_LEADING_ZERO = "cccd_lost_leading_zero"
CCCD_SCIENTIFIC_NOTATION = "cccd_scientific_notation"
CCCD_BAD_LENGTH = "cccd_bad_length"
CCCD_BAD_PROVINCE = "cccd_bad_province"
CCCD_BAD_CENTURY = "cccd_bad_century"
CCCD_BIRTH_YEAR_MISMATCH = "cccd_birth_year_mismatch"
CCCD_SEX_MISMATCH = "cccd_sex_mismatch"
CCCD_LEGACY_CMND = "cccd_legacy_cmnd"
CCCD_NOT_DIGITS = "cccd_not_digits"

# --- birth date ------------------------------------------------------------------------------
BIRTH_DATE_MISSING = "birth_date_missing"
BIRTH_DATE_YEAR_ONLY = "birth_date_year_only"
BIRTH_DATE_EXCEL_SERIAL = "birth_date_excel_serial"
BIRTH_DATE_TWO_DIGIT_YEAR = "birth_date_two_digit_year"
BIRTH_DATE_DAY_MONTH_SWAPPED = "birth_date_day_month_swapped"
BIRTH_DATE_AMBIGUOUS = "birth_date_ambiguous"
BIRTH_DATE_INVALID = "birth_date_invalid"
BIRTH_DATE_IMPLAUSIBLE = "birth_date_implausible"
BIRTH_YEAR_FROM_CCCD = "birth_year_from_cccd"

# --- sex -------------------------------------------------------------------------------------
SEX_MISSING = "sex_missing"
SEX_FROM_DATE_COLUMN = "sex_from_date_column"
SEX_FROM_CCCD = "sex_from_cccd"
SEX_HINT_FROM_MIDDLE_NAME = "sex_hint_from_middle_name"
SEX_INVALID = "sex_invalid"
SEX_CONFLICT = "sex_conflict"
SEX_FROM_ORG = "sex_from_org"
SEX_FROM_UNMARKED_COLUMN = "sex_from_unmarked_column"

# --- phone -----------------------------------------------------------------------------------
PHONE_NORMALISED = "phone_normalised"
PHONE_OLD_PREFIX = "phone_old_prefix"
PHONE_INVALID = "phone_invalid"

# --- place -----------------------------------------------------------------------------------
PROVINCE_UNKNOWN = "province_unknown"
PROVINCE_AMBIGUOUS = "province_ambiguous"
COMMUNE_UNKNOWN = "commune_unknown"
COMMUNE_AMBIGUOUS = "commune_ambiguous"
COMMUNE_FROM_OLD_NAME = "commune_from_old_name"
COMMUNE_NAME_ALSO_OLD = "commune_name_also_old"
PLACE_FROM_TITLE = "place_from_title"
PLACE_FROM_FOLDER = "place_from_folder"

# --- linkage ---------------------------------------------------------------------------------
DUPLICATE_IN_ORG = "duplicate_in_org"
DUPLICATE_REVIEW = "duplicate_review"

# --- đối soát (reconcile) --------------------------------------------------------------------
MATCH_NAME_DIFFERS = "match_name_differs"
MATCH_BIRTH_DATE_DIFFERS = "match_birth_date_differs"
MATCH_SEX_DIFFERS = "match_sex_differs"
MATCH_DECEASED = "match_deceased"
MATCH_NOT_FOUND = "match_not_found"
MATCH_REVIEW = "match_review"
MATCH_CCCD_CORRECTION_SUGGESTED = "match_cccd_correction_suggested"
STEWARD_DECISION_APPLIED = "steward_decision_applied"

LABELS: dict[str, str] = {
    FILE_CORRUPT: "Tệp bị hỏng, không đọc được",
    FILE_PASSWORD_PROTECTED: "Tệp có mật khẩu",
    FILE_EMPTY: "Tệp rỗng",
    FILE_WRONG_EXTENSION: "Đuôi tệp không đúng với nội dung",
    FILE_TOO_LARGE: "Tệp quá lớn",
    FILE_UNSUPPORTED_FORMAT: "Định dạng tệp không hỗ trợ",
    FILE_NO_HEADER: "Không tìm thấy dòng tiêu đề cột trong tệp",
    FILE_UNREADABLE_ENCODING: "Không nhận ra bảng mã của tệp",
    ROW_NO_NAME: "Dòng không có họ tên",
    ROW_NO_IDENTITY: "Dòng không có họ tên, ngày sinh hay CCCD",
    SHEET_NO_HEADER: "Trang tính không có dòng tiêu đề cột",
    SHEET_EMPTY: "Trang tính trống",
    SHEET_HIDDEN: "Trang tính bị ẩn (vẫn được đọc)",
    SHEET_TOO_LARGE: "Trang tính quá nhiều dòng, không đọc",
    NAME_LEGACY_TCVN3: "Họ tên gõ bằng bảng mã TCVN3 (ABC), đã chuyển sang Unicode",
    NAME_LEGACY_VNI: "Họ tên gõ bằng bảng mã VNI, đã chuyển sang Unicode",
    NAME_LEGACY_VIQR: "Họ tên gõ kiểu VIQR, đã chuyển sang Unicode",
    TEXT_LEGACY_ENCODING: "Có cột gõ bằng bảng mã cũ, đã chuyển sang Unicode",
    NAME_MISSING: "Thiếu họ tên",
    NAME_NFD: "Họ tên ở dạng Unicode tổ hợp (NFD), đã chuẩn hoá",
    NAME_TONE_STYLE: "Đặt dấu thanh kiểu cũ, đã chuẩn hoá",
    NAME_ETH_D: "Chữ Ð (eth) thay cho Đ, đã sửa",
    NAME_CASE_FIXED: "Họ tên sai chữ hoa/thường, đã sửa",
    NAME_SPACES_FIXED: "Họ tên thừa dấu cách, đã sửa",
    NAME_NO_DIACRITICS: "Họ tên không dấu",
    NAME_SINGLE_WORD: "Họ tên chỉ có một chữ",
    NAME_INVALID_CHARS: "Họ tên có ký tự lạ",
    CCCD_MISSING: "Thiếu số CCCD",
    CCCD_SEPARATORS_REMOVED: "Số CCCD có dấu cách/chấm/gạch, đã bỏ",
    CCCD_LOST_LEADING_ZERO: "Số CCCD mất số 0 đầu (Excel), đã khôi phục",
    CCCD_SCIENTIFIC_NOTATION: "Số CCCD bị Excel đổi sang dạng 1.23E+11, không khôi phục được",
    CCCD_BAD_LENGTH: "Số CCCD sai độ dài",
    CCCD_BAD_PROVINCE: "Mã tỉnh trong số CCCD không tồn tại",
    CCCD_BAD_CENTURY: "Mã thế kỷ/giới tính trong số CCCD không hợp lệ",
    CCCD_BIRTH_YEAR_MISMATCH: "Năm sinh trong số CCCD khác năm sinh đã ghi",
    CCCD_SEX_MISMATCH: "Giới tính trong số CCCD khác giới tính đã ghi",
    CCCD_LEGACY_CMND: "Là số CMND cũ, chưa phải CCCD",
    CCCD_NOT_DIGITS: "Số CCCD có ký tự không phải chữ số",
    BIRTH_DATE_MISSING: "Thiếu ngày sinh",
    BIRTH_DATE_YEAR_ONLY: "Chỉ có năm sinh",
    BIRTH_DATE_EXCEL_SERIAL: "Ngày sinh ở dạng số của Excel, đã chuyển",
    BIRTH_DATE_TWO_DIGIT_YEAR: "Năm sinh ghi 2 chữ số, đã suy ra thế kỷ",
    BIRTH_DATE_DAY_MONTH_SWAPPED: "Ngày và tháng sinh bị đảo, đã sửa",
    BIRTH_DATE_AMBIGUOUS: "Ngày sinh không rõ ngày/tháng",
    BIRTH_DATE_INVALID: "Ngày sinh không hợp lệ",
    BIRTH_DATE_IMPLAUSIBLE: "Ngày sinh không hợp lý (tuổi)",
    BIRTH_YEAR_FROM_CCCD: "Năm sinh suy từ số CCCD (thiếu ngày sinh)",
    SEX_MISSING: "Thiếu giới tính",
    SEX_FROM_DATE_COLUMN: "Giới tính suy từ cột ngày sinh Nam/Nữ",
    SEX_FROM_CCCD: "Giới tính suy từ số CCCD",
    SEX_HINT_FROM_MIDDLE_NAME: "Giới tính đoán từ tên đệm (Văn/Thị), cần kiểm tra",
    SEX_INVALID: "Giới tính ghi không hợp lệ",
    SEX_CONFLICT: "Các cột giới tính mâu thuẫn nhau",
    SEX_FROM_ORG: "Giới tính suy từ tổ chức (Hội Phụ nữ chỉ có hội viên nữ)",
    SEX_FROM_UNMARKED_COLUMN: "Giới tính suy từ ô Nữ để trống (bảng chỉ đánh dấu nữ), cần kiểm tra",
    PHONE_NORMALISED: "Số điện thoại đã chuẩn hoá",
    PHONE_OLD_PREFIX: "Số điện thoại đầu số cũ 11 số, đã đổi sang 10 số",
    PHONE_INVALID: "Số điện thoại không hợp lệ",
    PROVINCE_UNKNOWN: "Không xác định được tỉnh/thành",
    PROVINCE_AMBIGUOUS: "Tên tỉnh/thành không rõ ràng",
    COMMUNE_UNKNOWN: "Không xác định được xã/phường",
    COMMUNE_AMBIGUOUS: "Tên xã/phường khớp nhiều đơn vị (trùng tên hoặc xã cũ bị chia), cần xác định",
    COMMUNE_FROM_OLD_NAME: "Xã/phường theo tên cũ, đã đổi sang đơn vị mới",
    COMMUNE_NAME_ALSO_OLD: "Tên xã/phường mới trùng tên một xã cũ nay thuộc đơn vị khác, cần kiểm tra",
    PLACE_FROM_TITLE: "Địa bàn lấy từ tiêu đề trang tính",
    PLACE_FROM_FOLDER: "Địa bàn lấy từ tên thư mục",
    DUPLICATE_IN_ORG: "Trùng với hội viên khác trong cùng tổ chức",
    DUPLICATE_REVIEW: "Có thể trùng, cần cán bộ xác nhận",
    MATCH_NAME_DIFFERS: "Họ tên khác với CSDL dân cư",
    MATCH_BIRTH_DATE_DIFFERS: "Ngày sinh khác với CSDL dân cư",
    MATCH_SEX_DIFFERS: "Giới tính khác với CSDL dân cư",
    MATCH_DECEASED: "Công dân đã mất theo CSDL dân cư",
    MATCH_NOT_FOUND: "Số CCCD không có trong CSDL dân cư",
    MATCH_REVIEW: "Có thể khớp với công dân, cần cán bộ xác nhận",
    MATCH_CCCD_CORRECTION_SUGGESTED: "Đề xuất sửa số CCCD",
    STEWARD_DECISION_APPLIED: "Đã áp dụng quyết định của cán bộ",
}


def label(code: str) -> str:
    """Vietnamese label for a code; unknown codes show as themselves so nothing is hidden."""
    return LABELS.get(code, code)
